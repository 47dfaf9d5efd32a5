namespace Berth.Testing;

/// <summary>Where the repository, its fixtures and the built berth executable are.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Fixtures => Path.Combine(RepoRoot, "tests", "fixtures");

    /// <summary>
    /// The berth executable under test: <c>BERTH_BINARY</c> when set (scripts/test and bench/run set it to the native
    /// build that <c>./berth</c> runs), else the JIT build beside the tests (the project references Berth.Cli).
    /// </summary>
    public static string Berth
    {
        get
        {
            var chosen = Environment.GetEnvironmentVariable("BERTH_BINARY");
            if (!string.IsNullOrEmpty(chosen))
            {
                return File.Exists(chosen)
                    ? Path.GetFullPath(chosen)
                    : throw new FileNotFoundException($"BERTH_BINARY names {chosen}, which does not exist; build it with scripts/build-berth");
            }

            var apphost = Path.Combine(AppContext.BaseDirectory, "berth");
            if (!File.Exists(apphost))
            {
                throw new FileNotFoundException($"berth executable not found at {apphost}; build tests/Berth.E2E first");
            }

            return apphost;
        }
    }

    private static string FindRepoRoot()
    {
        var env = Environment.GetEnvironmentVariable("BERTH_REPO_ROOT");
        if (!string.IsNullOrEmpty(env) && File.Exists(Path.Combine(env, "Berth.slnx")))
        {
            return env;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Berth.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("cannot find the repository root (Berth.slnx) above " + AppContext.BaseDirectory);
    }
}
