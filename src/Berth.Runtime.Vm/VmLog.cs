using Microsoft.Extensions.Logging;

namespace Berth.Runtime.Vm;

internal static partial class VmLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "VM {Id} created ({Accelerator}, {MemoryMiB} MiB, {Vcpus} vCPU, qemu pid {Pid})")]
    public static partial void Created(ILogger logger, string id, Accelerator accelerator, int memoryMiB, int vcpus, int? pid);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "VM {Id} started")]
    public static partial void Started(ILogger logger, string id);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "VM {Id} stopping: ACPI power button, grace period {Grace}")]
    public static partial void Stopping(ILogger logger, string id, TimeSpan grace);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "VM {Id} ignored the power button for {Grace}: quitting QEMU")]
    public static partial void StopTimeout(ILogger logger, string id, TimeSpan grace);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Information, Message = "VM {Id} exited: {Reason} ({Message})")]
    public static partial void Exited(ILogger logger, string id, string reason, string message);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Information, Message = "VM {Id} adopted: {State}, qemu pid {Pid}")]
    public static partial void Adopted(ILogger logger, string id, VmState state, int? pid);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Information, Message = "VM {Id} deleted")]
    public static partial void Deleted(ILogger logger, string id);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Information, Message = "Acceleration: {Accelerator} ({Reason})")]
    public static partial void Acceleration(ILogger logger, Accelerator accelerator, string reason);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Warning, Message = "VM {Id}: {What} failed during cleanup: {Error}")]
    public static partial void CleanupFailed(ILogger logger, string id, string what, string error);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Information, Message = "VM {Id}: guest shut down ({Reason}); quitting QEMU")]
    public static partial void GuestShutdown(ILogger logger, string id, string reason);
}
