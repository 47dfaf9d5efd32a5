using Berth.Agent.Vm;
using Berth.Runtime.Oci.Runtime;
using Berth.Runtime.Vm;
using Xunit;

namespace Berth.Agent.Tests.Vm;

/// <summary>How an exited VM reads as a terminated container: 0 only when the guest powered off.</summary>
[Trait("Tier", "Unit")]
public sealed class VmContainerStatusTests
{
    [Theory]
    [InlineData(VmExitReasons.GuestShutdown, 0, 0)]
    [InlineData(VmExitReasons.Stopped, 0, 0)]
    [InlineData(VmExitReasons.StopTimeout, 0, 137)]
    [InlineData(VmExitReasons.Killed, 137, 137)]
    [InlineData(VmExitReasons.Killed, 143, 143)]
    [InlineData(VmExitReasons.OomKilled, 137, 137)]
    [InlineData(VmExitReasons.Quit, 0, 143)]
    [InlineData(VmExitReasons.Error, 1, 1)]
    [InlineData(VmExitReasons.Unknown, null, 255)]
    public void Exit_codes(string reason, int? qemuExit, int expected)
    {
        var status = new VmStatus("u", VmState.Exited, Accelerator.Tcg, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, qemuExit, reason, "why");
        var c = VmContainerStatus.From(status, null, new Dictionary<string, string> { ["io.berth.container.name"] = "compute", ["io.berth.pod.uid"] = "u" });
        Assert.Equal((ContainerState.Exited, expected, reason, "why", "compute", "u"), (c.State, c.ExitCode, c.Reason, c.Message, c.Name, c.SandboxId));
    }

    [Fact]
    public void A_running_VM_is_a_running_container_with_QEMUs_pid()
    {
        var status = new VmStatus("u", VmState.Running, Accelerator.Tcg, 4242, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null, null, null, null);
        var spec = new VmSpec { Id = "u", Boot = new KernelBoot("/k"), ConsoleLogPath = "/l/0.log", CgroupParent = "/berth/podu" };
        var c = VmContainerStatus.From(status, spec, new Dictionary<string, string>());
        Assert.Equal((ContainerState.Running, 4242, (int?)null, "/l/0.log", "/berth/podu/vm-u"), (c.State, c.Pid, c.ExitCode, c.LogPath, c.CgroupsPath));
    }
}
