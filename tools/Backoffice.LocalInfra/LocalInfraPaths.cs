namespace Backoffice.LocalInfra;

public static class LocalInfraPaths
{
    public static string Root => Path.Combine(Path.GetTempPath(), "backoffice");
}
