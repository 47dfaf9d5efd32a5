using k8s.Models;

namespace Berth.Scheduler.Model;

/// <summary>
/// Integer resource amounts the way the scheduler counts them: cpu in millicores, memory and
/// ephemeral-storage in bytes (rounded up, as <c>Quantity.Value()</c>), and scalar (extended, hugepages)
/// resources by name.
/// </summary>
internal sealed class Resources
{
    public long MilliCpu;
    public long Memory;
    public long EphemeralStorage;
    public Dictionary<string, long>? Scalars;

    public const string Cpu = "cpu";
    public const string MemoryName = "memory";
    public const string Ephemeral = "ephemeral-storage";
    public const string Pods = "pods";

    /// <summary>Defaults the scheduler scores with for a container that requests no cpu / memory (<c>schedutil.DefaultMilliCPURequest</c>, <c>DefaultMemoryRequest</c>).</summary>
    public const long DefaultMilliCpuRequest = 100;
    public const long DefaultMemoryRequest = 200L * 1024 * 1024;

    public bool IsZero => MilliCpu == 0 && Memory == 0 && EphemeralStorage == 0 && (Scalars is null || Scalars.Count == 0);

    public static long MilliValue(ResourceQuantity q) => (long)Math.Ceiling(q.ToDecimal() * 1000m);

    public static long Value(ResourceQuantity q) => (long)Math.Ceiling(q.ToDecimal());

    /// <summary>Whether a resource name is a scalar resource: extended (<c>domain/name</c>), hugepages or attachable volumes.</summary>
    public static bool IsScalar(string name) =>
        name.Contains('/') || name.StartsWith("hugepages-", StringComparison.Ordinal) || name.StartsWith("attachable-volumes-", StringComparison.Ordinal);

    public void Add(IDictionary<string, ResourceQuantity>? list)
    {
        if (list is null)
        {
            return;
        }

        foreach (var (name, q) in list)
        {
            switch (name)
            {
                case Cpu: MilliCpu += MilliValue(q); break;
                case MemoryName: Memory += Value(q); break;
                case Ephemeral: EphemeralStorage += Value(q); break;
                default:
                    if (IsScalar(name))
                    {
                        Scalars ??= new(StringComparer.Ordinal);
                        Scalars[name] = Scalars.GetValueOrDefault(name) + Value(q);
                    }

                    break;
            }
        }
    }

    public void Add(Resources other)
    {
        MilliCpu += other.MilliCpu;
        Memory += other.Memory;
        EphemeralStorage += other.EphemeralStorage;
        if (other.Scalars is not null)
        {
            Scalars ??= new(StringComparer.Ordinal);
            foreach (var (k, v) in other.Scalars)
            {
                Scalars[k] = Scalars.GetValueOrDefault(k) + v;
            }
        }
    }

    public void Subtract(Resources other)
    {
        MilliCpu -= other.MilliCpu;
        Memory -= other.Memory;
        EphemeralStorage -= other.EphemeralStorage;
        if (other.Scalars is not null)
        {
            Scalars ??= new(StringComparer.Ordinal);
            foreach (var (k, v) in other.Scalars)
            {
                Scalars[k] = Scalars.GetValueOrDefault(k) - v;
            }
        }
    }

    public void Max(Resources other)
    {
        MilliCpu = Math.Max(MilliCpu, other.MilliCpu);
        Memory = Math.Max(Memory, other.Memory);
        EphemeralStorage = Math.Max(EphemeralStorage, other.EphemeralStorage);
        if (other.Scalars is not null)
        {
            Scalars ??= new(StringComparer.Ordinal);
            foreach (var (k, v) in other.Scalars)
            {
                Scalars[k] = Math.Max(Scalars.GetValueOrDefault(k), v);
            }
        }
    }

    public Resources Clone() => new()
    {
        MilliCpu = MilliCpu,
        Memory = Memory,
        EphemeralStorage = EphemeralStorage,
        Scalars = Scalars is null ? null : new(Scalars, StringComparer.Ordinal),
    };

    public long Scalar(string name) => Scalars?.GetValueOrDefault(name) ?? 0;
}
