namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// Runs a short-lived helper and captures its output through pipes. Only for commands that do not
/// leave a process behind holding those pipes (never <c>runc create/run</c>, never conmon: a
/// container inherits its creator's stdio and the read would never reach end of file).
/// </summary>
public static class Command
{
    public static Task<CommandResult> RunAsync(string file, IEnumerable<string> args, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        NativeProcess.RunCaptureAsync(Resolve(file), args.ToList(), timeout ?? TimeSpan.FromSeconds(60), cancellationToken);

    /// <summary>A bare name is looked up in PATH (posix_spawn, unlike posix_spawnp, does not search).</summary>
    public static string Resolve(string file)
    {
        if (file.Contains('/'))
        {
            return file;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]))
        {
            var candidate = Path.Combine(dir, file);
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{file} not found in PATH");
    }
}
