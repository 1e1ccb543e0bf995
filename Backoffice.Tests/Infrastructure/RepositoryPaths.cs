namespace Backoffice.Tests.Infrastructure;

/// <summary>Locates files of the repository from the test assembly's output directory.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Backoffice.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Backoffice.sln above {AppContext.BaseDirectory}.");
    }
}
