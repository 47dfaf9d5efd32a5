using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Api.KubeVirt;

/// <summary>
/// The VM a pod runs, beyond what the pod itself says: the pod contract between the KubeVirt controller (which writes
/// it into the <see cref="KubeVirtNames.SpecAnnotation"/> annotation of the pods it makes from VMIs) and the agent
/// (which runs pods with <c>runtimeClassName: vm</c>). The pod's <c>compute</c> container carries the image (a
/// containerDisk or a kernel-boot image), its resources (what the scheduler counts: guest RAM plus
/// <see cref="MemoryOverheadMiB"/>), probes and ports; everything else that describes the machine is here.
/// Written once with the pod, never changed (pods are immutable). See docs/kubevirt.md, "The pod contract".
/// </summary>
public sealed record VmPodSpec
{
    /// <summary>The memory a VM pod requests beyond guest RAM (QEMU, TCG cache, shim), as the VM runtime's default cgroup allowance.</summary>
    public const int MemoryOverheadMiB = 96;

    public const int CurrentVersion = 1;

    private static JsonSerializerOptions Options => VmPodSpecJsonContext.Default.Options;

    /// <summary>Contract version; an agent refuses versions it does not know.</summary>
    public int Version { get; set; } = CurrentVersion;

    /// <summary>Guest vCPUs: cores × sockets × threads, else the CPU limit (or request) rounded up, else 1.</summary>
    public required int Vcpus { get; init; }

    /// <summary>Guest RAM in MiB (<c>domain.memory.guest</c>, else the memory request, else the limit), rounded up.</summary>
    public required int MemoryMiB { get; init; }

    public required VmPodBoot Boot { get; init; }

    /// <summary>The VM's disks in <c>domain.devices.disks</c> order, the boot disk first; the cloud-init disk is not listed (see <see cref="CloudInit"/>).</summary>
    public IReadOnlyList<VmPodDisk> Disks { get; set; } = [];

    /// <summary>The NoCloud seed's user-data and network-config; null: no cloud-init volume (the agent still generates a seed for the network).</summary>
    public VmPodCloudInit? CloudInit { get; init; }

    /// <summary>The guest's one NIC on the pod network; null when <c>autoattachPodInterface: false</c> left the VM without one.</summary>
    public VmPodNetwork? Network { get; init; }

    /// <summary>The guest's hostname (meta-data <c>local-hostname</c>): the VMI's <c>spec.hostname</c>, else its name.</summary>
    public string? Hostname { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Reads the annotation; throws <see cref="FormatException"/> when it is not a VM description of a known version.</summary>
    public static VmPodSpec Parse(string json)
    {
        VmPodSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<VmPodSpec>(json, Options);
        }
        catch (JsonException e)
        {
            throw new FormatException($"annotation {KubeVirtNames.SpecAnnotation} is not a VM description: {e.Message}", e);
        }

        if (spec is null || spec.Boot is null)
        {
            throw new FormatException($"annotation {KubeVirtNames.SpecAnnotation} is not a VM description");
        }

        if (spec.Version != CurrentVersion)
        {
            throw new FormatException($"annotation {KubeVirtNames.SpecAnnotation} has version {spec.Version}; this agent knows version {CurrentVersion}");
        }

        return spec;
    }
}

/// <summary>Source-generated JSON for <see cref="VmPodSpec"/> (the native build has no reflection-based serializer).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(VmPodSpec))]
internal sealed partial class VmPodSpecJsonContext : JsonSerializerContext;
