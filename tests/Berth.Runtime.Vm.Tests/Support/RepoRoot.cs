namespace Berth.Runtime.Vm.Tests.Support;

internal static class RepoRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable("BERTH_REPO_ROOT") is { Length: > 0 } env)
        {
            return env;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Berth.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (Berth.slnx); set BERTH_REPO_ROOT");
    }
}
