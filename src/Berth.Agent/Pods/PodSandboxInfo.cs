using Berth.Network.Pods;

namespace Berth.Agent.Pods;

/// <summary>
/// What a pod's containers share, once the sandbox is set up: the network namespace (null for hostNetwork), the
/// IPC/UTS namespace files (null when the host's are used), the generated /etc files, the hostname, the pod IP and
/// the host directory of each volume.
/// </summary>
internal sealed record PodSandboxInfo
{
    public string? NetnsPath { get; init; }

    public string? IpcPath { get; init; }

    public string? UtsPath { get; init; }

    public required string Hostname { get; init; }

    public string? HostsFile { get; init; }

    public string? ResolvConfFile { get; init; }

    public string? HostnameFile { get; init; }

    public required string PodIP { get; init; }

    /// <summary>The pod network as CNI configured it (prefix length, gateway, interface); null for hostNetwork.</summary>
    public PodNetworkStatus? Network { get; init; }

    public IReadOnlyDictionary<string, string> Volumes { get; init; } = new Dictionary<string, string>();
}
