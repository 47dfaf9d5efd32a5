namespace Berth.Agent.Vm;

/// <summary>
/// Where a VM's persistent disk lives: the directory of the pod volume's local PersistentVolume, holding
/// <c>disk.img</c> (KubeVirt's convention for filesystem volumes), made sparse at <paramref name="CapacityBytes"/>
/// the first time and kept across starts.
/// </summary>
internal sealed record ClaimDisk(string Claim, string Directory, long CapacityBytes)
{
    public const string FileName = "disk.img";

    public string ImagePath => Path.Combine(Directory, FileName);
}
