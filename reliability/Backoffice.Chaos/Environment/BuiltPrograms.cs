namespace Backoffice.Chaos.Environment;

/// <summary>
/// Where the programs under test were built: beside their own projects, in the configuration and
/// target framework this tool was built with (<c>dotnet run -c Release</c> builds them too, through
/// the project references).
/// </summary>
public static class BuiltPrograms
{
    public static string SyncConsumerDll => ProjectOutput("Backoffice.SyncConsumer", "Backoffice.SyncConsumer");

    public static string ApiDll => ProjectOutput("Backoffice.Api", "Backoffice.Api");

    public static string RepositoryRoot
    {
        get
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

    private static string ProjectOutput(string projectDirectory, string assemblyName)
    {
        // This tool runs from <repo>/reliability/Backoffice.Chaos/bin/<Configuration>/<tfm>/.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dll = Path.Combine(RepositoryRoot, projectDirectory, "bin", output.Parent!.Name, output.Name, assemblyName + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{assemblyName} is not built (expected {dll}).", dll);
    }
}
