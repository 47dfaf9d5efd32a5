using Microsoft.Extensions.Logging;

namespace Berth.Runtime.Oci.Runtime;

internal static partial class OciRuntimeLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "{Runtime}: created container {Id} ({Name}), pid {Pid}, in {Milliseconds} ms (bundle+rootfs {MountMilliseconds} ms, conmon+create {CreateMilliseconds} ms)")]
    public static partial void Created(ILogger logger, string runtime, string id, string name, int pid, long milliseconds, long mountMilliseconds, long createMilliseconds);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "{Runtime}: started container {Id}")]
    public static partial void Started(ILogger logger, string runtime, string id);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "{Runtime}: container {Id} did not stop within {Grace} after signal {Signal}; sending SIGKILL")]
    public static partial void Escalating(ILogger logger, string runtime, string id, TimeSpan grace, int signal);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "{Runtime}: deleted container {Id}")]
    public static partial void Deleted(ILogger logger, string runtime, string id);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "{Runtime}: create of {Id} failed, cleaning up: {Error}")]
    public static partial void CreateFailed(ILogger logger, string runtime, string id, string error);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Warning, Message = "{Runtime}: removing orphan {What} {Id}")]
    public static partial void Orphan(ILogger logger, string runtime, string what, string id);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Warning, Message = "{Runtime}: cleanup of {Id}: {Error}")]
    public static partial void CleanupProblem(ILogger logger, string runtime, string id, string error);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Information, Message = "{Runtime}: adopted {Count} containers from {DataDir}")]
    public static partial void Adopted(ILogger logger, string runtime, int count, string dataDir);
}
