namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// A pod's shared IPC and UTS namespaces without a pause process: <c>unshare --ipc=FILE --uts=FILE
/// hostname NAME</c> creates them, sets the pod's hostname and keeps them alive as bind mounts of nsfs
/// files (the way <c>ip netns</c> keeps network namespaces). Containers of the pod join them by path
/// through <see cref="NamespaceSpec"/>. They live in /run (gone at reboot, as are the containers) and
/// survive agent restarts. The network namespace is the network layer's and is not made here.
/// </summary>
public sealed class PodNamespaces
{
    private PodNamespaces(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    public string IpcPath => Path.Combine(Directory, "ipc");

    public string UtsPath => Path.Combine(Directory, "uts");

    /// <summary>The namespaces of pod <paramref name="podId"/> under <paramref name="root"/> (default /run/berth/pods), whether or not they exist.</summary>
    public static PodNamespaces For(string podId, string root = "/run/berth/pods")
    {
        if (!OciSpecBuilder.IsValidId(podId))
        {
            throw new ArgumentException($"invalid pod id '{podId}'", nameof(podId));
        }

        return new PodNamespaces(Path.Combine(root, podId));
    }

    public bool Exists => OverlayRootfs.IsMounted(IpcPath) && OverlayRootfs.IsMounted(UtsPath);

    /// <summary>Creates both namespaces with <paramref name="hostname"/> set; idempotent.</summary>
    public async Task CreateAsync(string hostname, CancellationToken cancellationToken)
    {
        if (Exists)
        {
            return;
        }

        await RemoveAsync(cancellationToken);
        System.IO.Directory.CreateDirectory(Directory);
        await File.WriteAllBytesAsync(IpcPath, [], cancellationToken);
        await File.WriteAllBytesAsync(UtsPath, [], cancellationToken);
        var r = await Command.RunAsync("unshare", ["--ipc=" + IpcPath, "--uts=" + UtsPath, "hostname", hostname], cancellationToken, TimeSpan.FromSeconds(30));
        if (!r.Ok)
        {
            await RemoveAsync(CancellationToken.None);
            throw new ContainerRuntimeException($"cannot create the pod's IPC/UTS namespaces in {Directory}: {r.Message}");
        }
    }

    public NamespaceSpec Apply(NamespaceSpec spec) => spec with { Ipc = NamespaceRef.Join(IpcPath), Uts = NamespaceRef.Join(UtsPath) };

    /// <summary>Unmounts and removes both; idempotent. The namespaces die once no container uses them.</summary>
    public Task RemoveAsync(CancellationToken cancellationToken)
    {
        OverlayRootfs.Unmount(IpcPath);
        OverlayRootfs.Unmount(UtsPath);
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }

        return Task.CompletedTask;
    }
}
