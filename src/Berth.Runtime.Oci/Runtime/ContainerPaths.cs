namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// The on-disk layout of one container; the directory is also the OCI bundle:
/// <code>
/// DATA_DIR/containers/ID/
///   config.json      OCI runtime config (the bundle)
///   berth.json       Berth's record (ContainerRecord)
///   rootfs/          overlay mount point: lowerdirs = image layers, upper/ + work/ below
///   upper/ work/     the container's writable layer (gone with the container)
///   conmon.pid       the shim's pid          pidfile    the container's init pid
///   exits/ID, exit   exit code (conmon: --exit-dir, --persist-dir)   oom   present after an OOM kill
///   runtime.log      runc/crun's own log (JSON lines): why a create failed
///   attach ctl winsz conmon's attach socket and control fifos
///   exec-*.json      process specs of running execs
/// </code>
/// </summary>
internal sealed class ContainerPaths
{
    public ContainerPaths(string dataDir, string id)
    {
        Id = id;
        Dir = Path.Combine(dataDir, "containers", id);
    }

    public string Id { get; }

    public string Dir { get; }

    public string Config => Path.Combine(Dir, "config.json");

    public string Record => Path.Combine(Dir, "berth.json");

    public string Rootfs => Path.Combine(Dir, "rootfs");

    public string Upper => Path.Combine(Dir, "upper");

    public string Work => Path.Combine(Dir, "work");

    public string ConmonPidFile => Path.Combine(Dir, "conmon.pid");

    public string PidFile => Path.Combine(Dir, "pidfile");

    public string ExitDir => Path.Combine(Dir, "exits");

    public string ExitFile => Path.Combine(ExitDir, Id);

    public string OomFile => Path.Combine(Dir, "oom");

    public string RuntimeLog => Path.Combine(Dir, "runtime.log");

    public string CtlFifo => Path.Combine(Dir, "ctl");
}
