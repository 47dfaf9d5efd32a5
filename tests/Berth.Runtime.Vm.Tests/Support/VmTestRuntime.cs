namespace Berth.Runtime.Vm.Tests.Support;

/// <summary>A state root of its own (short: unix socket paths) and the cgroup parent <c>berth-test/NAME</c>; removes both.</summary>
public sealed class VmTestRuntime : IAsyncDisposable
{
    public VmTestRuntime()
    {
        StateRoot = Directory.CreateTempSubdirectory("bt-vm-").FullName;
        CgroupParent = "berth-test/" + Path.GetFileName(StateRoot);
        Runtime = New();
    }

    public string StateRoot { get; }

    public string CgroupParent { get; }

    public VmRuntime Runtime { get; }

    /// <summary>Another runtime over the same state: what an agent restart gets.</summary>
    public VmRuntime New() => new(new VmRuntimeOptions { StateRoot = StateRoot });

    public string LogPath(string id) => Path.Combine(StateRoot, "logs", id + ".log");

    public async ValueTask DisposeAsync()
    {
        var cleaner = New();
        foreach (var vm in await cleaner.AdoptAsync())
        {
            await cleaner.DeleteAsync(vm.Id);
        }

        await cleaner.DisposeAsync();
        await Runtime.DisposeAsync();
        foreach (var ctrl in new[] { "memory", "cpu", "cpuacct", "pids" })
        {
            var dir = Path.Combine("/sys/fs/cgroup", ctrl, CgroupParent);
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir);
            }

            try
            {
                Directory.Delete(Path.GetDirectoryName(dir)!); // berth-test, once no other test class uses it
            }
            catch (IOException)
            {
                // still in use by another test class, or already gone
            }
        }

        Directory.Delete(StateRoot, recursive: true);
    }
}
