using Berth.Runtime.Oci.Runtime;
using Xunit;

namespace Berth.Runtime.Conformance;

/// <summary>
/// One runtime under test: a private data directory (/tmp/bt-rt-NAME-RANDOM), a busybox layer, the
/// runtime's real state root (/run/berth/NAME) and a private cgroup root (/bt-rt-RANDOM) so that leftovers
/// can be told apart. Disposal deletes every container the suite left and the cgroup root.
/// </summary>
public abstract class RuntimeFixture : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    protected RuntimeFixture()
    {
        DataDir = $"/tmp/bt-rt-{RuntimeName}-{_suffix}";
        CgroupRoot = $"/bt-rt-{_suffix}";
        Binary = CreateBinary();
        Runtime = NewRuntime();
    }

    public abstract string RuntimeName { get; }

    public string DataDir { get; }

    public string CgroupRoot { get; }

    public string LowerDir => Path.Combine(DataDir, "layers", "busybox");

    public OciRuntimeBinary Binary { get; }

    public OciRuntime Runtime { get; }

    public RuntimeProbe? Probe { get; private set; }

    /// <summary>A second runtime instance on the same data directory: what the agent gets after a restart.</summary>
    public OciRuntime NewRuntime() => new(new OciRuntimeOptions { DataDir = DataDir, Binary = Binary, CgroupRoot = CgroupRoot });

    public async ValueTask InitializeAsync()
    {
        Probe = await Binary.ProbeAsync(CancellationToken.None);
        Directory.CreateDirectory(DataDir);
        await BusyboxRootfs.BuildAsync(LowerDir, CancellationToken.None);
    }

    /// <summary>Fails the calling test with the probe's reason when the runtime cannot run here (never skips).</summary>
    public void RequireUsable()
    {
        Assert.True(Probe is { Usable: true }, $"{RuntimeName} is not usable on this host: {Probe?.Reason}");
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        foreach (var c in await Runtime.ListAsync(CancellationToken.None))
        {
            await Runtime.DeleteAsync(c.Id, CancellationToken.None);
        }

        foreach (var (mountPoint, _) in Cgroups.Hierarchies())
        {
            var root = mountPoint + CgroupRoot;
            if (Directory.Exists(root))
            {
                foreach (var child in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length))
                {
                    Directory.Delete(child);
                }

                Directory.Delete(root);
            }
        }

        Directory.Delete(DataDir, recursive: true);
    }

    protected abstract OciRuntimeBinary CreateBinary();
}
