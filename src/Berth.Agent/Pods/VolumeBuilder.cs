using System.Text;
using Berth.Agent.Volumes;
using Berth.Runtime.Oci.Runtime;
using k8s.Models;

namespace Berth.Agent.Pods;

/// <summary>
/// Makes a pod's volumes on the host, under <c>PODDIR/volumes/NAME</c>, the way the kubelet's volume plugins do
/// before the containers start: emptyDir (a directory, or a tmpfs with <c>medium: Memory</c> and its sizeLimit),
/// hostPath (with its <c>type</c> checks and the *OrCreate kinds), configMap, secret (on a tmpfs, as the kubelet
/// keeps secrets off the disk), downwardAPI, projected (files with items, modes and defaultMode) and
/// persistentVolumeClaim (the bound PV's local or hostPath directory, <see cref="ClaimResolver"/>; a directory made by
/// Berth's local provisioner is created on first use, mode 0777; the claim's path is recorded in
/// <c>PODDIR/claims/NAME</c> so that <see cref="LocalVolumeCleaner"/> never removes a volume a pod still uses). Returns the
/// host path of every volume. Files are rewritten on every call (updates while the pod runs), which is not atomic
/// like the kubelet's <c>..data</c> symlink swap. Volume kinds Berth does not serve fail the pod's containers with
/// a <see cref="ContainerConfigException"/>.
/// </summary>
internal static class VolumeBuilder
{
    /// <summary>The folder of a pod directory whose files (one per claim volume) hold the host path each claim uses.</summary>
    public const string ClaimsDir = "claims";

    /// <param name="claimNode">This node, for the node affinity of claims' volumes (null: not checked).</param>
    /// <param name="claimWait">How long to wait for a claim to be bound (<see cref="ClaimResolver.DefaultWait"/> by default).</param>
    public static async Task<IReadOnlyDictionary<string, string>> BuildAsync(
        V1Pod pod, string podDir, string? podIp, string? hostIp, NodeAllocatable node, IPodObjects objects, CancellationToken ct,
        ClaimNode? claimNode = null, TimeSpan? claimWait = null)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        foreach (var v in pod.Spec.Volumes ?? [])
        {
            var dir = Path.Combine(podDir, "volumes", v.Name);
            if (v.EmptyDir is { } emptyDir)
            {
                Directory.CreateDirectory(dir);
                if (emptyDir.Medium == "Memory")
                {
                    HostMounts.MountTmpfs(dir, emptyDir.SizeLimit is { } size ? (long)size.ToDecimal() : null);
                }
                else
                {
                    File.SetUnixFileMode(dir, (UnixFileMode)0x1FF);
                }

                result[v.Name] = dir;
            }
            else if (v.HostPath is { } hostPath)
            {
                result[v.Name] = HostPath(hostPath);
            }
            else if (v.ConfigMap is { } cmSource)
            {
                var cm = await objects.ConfigMapAsync(ns, cmSource.Name, ct);
                if (cm is null && cmSource.Optional != true)
                {
                    throw new ContainerConfigException($"configmap \"{cmSource.Name}\" not found");
                }

                var files = KeyFiles(ConfigMapData(cm), cmSource.Items, cmSource.DefaultMode, $"configmap references non-existent config key", cmSource.Optional == true);
                Write(dir, files, tmpfs: false);
                result[v.Name] = dir;
            }
            else if (v.Secret is { } secretSource)
            {
                var secret = await objects.SecretAsync(ns, secretSource.SecretName, ct);
                if (secret is null && secretSource.Optional != true)
                {
                    throw new ContainerConfigException($"secret \"{secretSource.SecretName}\" not found");
                }

                var files = KeyFiles(secret?.Data ?? new Dictionary<string, byte[]>(), secretSource.Items, secretSource.DefaultMode, "references non-existent secret key", secretSource.Optional == true);
                Write(dir, files, tmpfs: true);
                result[v.Name] = dir;
            }
            else if (v.DownwardAPI is { } downward)
            {
                var files = new List<FileEntry>();
                foreach (var item in downward.Items ?? [])
                {
                    files.Add(new FileEntry(item.Path, DownwardValue(pod, item.FieldRef, item.ResourceFieldRef, podIp, hostIp, node), item.Mode ?? downward.DefaultMode ?? 420));
                }

                Write(dir, files, tmpfs: false);
                result[v.Name] = dir;
            }
            else if (v.Projected is { } projected)
            {
                var files = new List<FileEntry>();
                foreach (var source in projected.Sources ?? [])
                {
                    if (source.ConfigMap is { } pcm)
                    {
                        var cm = await objects.ConfigMapAsync(ns, pcm.Name, ct);
                        if (cm is null && pcm.Optional != true)
                        {
                            throw new ContainerConfigException($"configmap \"{pcm.Name}\" not found");
                        }

                        files.AddRange(KeyFiles(ConfigMapData(cm), pcm.Items, projected.DefaultMode, "configmap references non-existent config key", pcm.Optional == true));
                    }
                    else if (source.Secret is { } ps)
                    {
                        var secret = await objects.SecretAsync(ns, ps.Name, ct);
                        if (secret is null && ps.Optional != true)
                        {
                            throw new ContainerConfigException($"secret \"{ps.Name}\" not found");
                        }

                        files.AddRange(KeyFiles(secret?.Data ?? new Dictionary<string, byte[]>(), ps.Items, projected.DefaultMode, "references non-existent secret key", ps.Optional == true));
                    }
                    else if (source.DownwardAPI is { } pd)
                    {
                        foreach (var item in pd.Items ?? [])
                        {
                            files.Add(new FileEntry(item.Path, DownwardValue(pod, item.FieldRef, item.ResourceFieldRef, podIp, hostIp, node), item.Mode ?? projected.DefaultMode ?? 420));
                        }
                    }
                    else if (source.ServiceAccountToken is not null)
                    {
                        // Berth issues no service account tokens yet: the source is left out rather than failing the pod.
                    }
                }

                Write(dir, files, tmpfs: true);
                result[v.Name] = dir;
            }
            else if (v.PersistentVolumeClaim is { } pvc)
            {
                ClaimVolume claim;
                try
                {
                    claim = await ClaimResolver.ResolveAsync(objects, ns, pvc.ClaimName, pvc.ReadOnlyProperty == true, claimNode, TimeProvider.System, ct, claimWait);
                }
                catch (ClaimUnavailableException e)
                {
                    throw new ContainerConfigException($"volume \"{v.Name}\": {e.Message}");
                }

                result[v.Name] = ClaimDirectory(claim);
                RecordClaim(podDir, v.Name, claim.Path);
            }
            else
            {
                throw new ContainerConfigException($"volume \"{v.Name}\": this volume type is not supported by Berth (emptyDir, hostPath, configMap, secret, downwardAPI, projected and persistentVolumeClaim are)");
            }
        }

        return result;
    }

    /// <summary>Records in <c>PODDIR/claims/VOLUME</c> the host directory a claim volume of the pod uses, so that the
    /// <see cref="Volumes.LocalVolumeCleaner"/> never removes it while the pod exists (container mounts and VM disks alike).</summary>
    public static void RecordClaim(string podDir, string volumeName, string path)
    {
        var claims = Path.Combine(podDir, ClaimsDir);
        Directory.CreateDirectory(claims);
        File.WriteAllText(Path.Combine(claims, volumeName), path);
    }

    /// <summary>Unmounts every tmpfs volume of the pod and removes its directory; idempotent.</summary>
    public static void TearDown(string podDir)
    {
        var volumes = Path.Combine(podDir, "volumes");
        foreach (var mount in MountsUnder(volumes).OrderByDescending(m => m.Length))
        {
            HostMounts.Unmount(mount);
        }

        if (Directory.Exists(podDir))
        {
            Directory.Delete(podDir, recursive: true);
        }
    }

    /// <summary>Mount points at or below <paramref name="prefix"/>, from /proc/self/mountinfo (octal escapes decoded).</summary>
    public static IReadOnlyList<string> MountsUnder(string prefix)
    {
        var list = new List<string>();
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var parts = line.Split(' ');
            if (parts.Length < 5)
            {
                continue;
            }

            var point = Unescape(parts[4]);
            if (point == prefix || point.StartsWith(prefix + "/", StringComparison.Ordinal))
            {
                list.Add(point);
            }
        }

        return list;
    }

    private static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal))
        {
            return s;
        }

        var sb = new StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 3 < s.Length)
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(s[i]);
            }
        }

        return sb.ToString();
    }

    /// <summary>The directory of a resolved claim: made when Berth provisioned it, checked like a hostPath for a hostPath PV.</summary>
    private static string ClaimDirectory(ClaimVolume claim)
    {
        if (claim.HostPathType is { } type)
        {
            return HostPath(new V1HostPathVolumeSource { Path = claim.Path, Type = type });
        }

        if (!Directory.Exists(claim.Path))
        {
            if (!claim.Provisioned)
            {
                throw new ContainerConfigException($"persistentvolume \"{claim.VolumeName}\": local path {claim.Path} does not exist on this node");
            }

            Directory.CreateDirectory(claim.Path);
            File.SetUnixFileMode(claim.Path, (UnixFileMode)0x1FF);
        }

        return claim.Path;
    }

    private static string HostPath(V1HostPathVolumeSource hp)
    {
        var path = hp.Path;
        switch (hp.Type ?? "")
        {
            case "DirectoryOrCreate":
                if (!Directory.Exists(path))
                {
                    Directory.CreateDirectory(path);
                    File.SetUnixFileMode(path, (UnixFileMode)0x1ED);
                }

                break;
            case "FileOrCreate":
                if (!File.Exists(path))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    using (File.Create(path))
                    {
                    }

                    File.SetUnixFileMode(path, (UnixFileMode)0x1A4);
                }

                break;
            case "Directory":
                if (!Directory.Exists(path))
                {
                    throw new ContainerConfigException($"hostPath type check failed: {path} is not a directory");
                }

                break;
            case "File":
                if (!File.Exists(path))
                {
                    throw new ContainerConfigException($"hostPath type check failed: {path} is not a file");
                }

                break;
            case "Socket" or "CharDevice" or "BlockDevice":
                if (!File.Exists(path))
                {
                    throw new ContainerConfigException($"hostPath type check failed: {path} is not a {hp.Type}");
                }

                break;
        }

        return path;
    }

    private static Dictionary<string, byte[]> ConfigMapData(V1ConfigMap? cm)
    {
        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (k, v) in cm?.Data ?? new Dictionary<string, string>())
        {
            data[k] = Encoding.UTF8.GetBytes(v);
        }

        foreach (var (k, v) in cm?.BinaryData ?? new Dictionary<string, byte[]>())
        {
            data[k] = v;
        }

        return data;
    }

    private static List<FileEntry> KeyFiles(IDictionary<string, byte[]> data, IList<V1KeyToPath>? items, int? defaultMode, string missing, bool optional)
    {
        var files = new List<FileEntry>();
        if (items is { Count: > 0 })
        {
            foreach (var item in items)
            {
                if (!data.TryGetValue(item.Key, out var bytes))
                {
                    if (optional)
                    {
                        continue;
                    }

                    throw new ContainerConfigException($"{missing}: {item.Key}");
                }

                files.Add(new FileEntry(item.Path, bytes, item.Mode ?? defaultMode ?? 420));
            }
        }
        else
        {
            files.AddRange(data.Select(p => new FileEntry(p.Key, p.Value, defaultMode ?? 420)));
        }

        return files;
    }

    private static byte[] DownwardValue(V1Pod pod, V1ObjectFieldSelector? field, V1ResourceFieldSelector? resource, string? podIp, string? hostIp, NodeAllocatable node)
    {
        if (field is not null)
        {
            return Encoding.UTF8.GetBytes(PodFields.FieldValue(pod, field.FieldPath, podIp, hostIp));
        }

        if (resource is not null)
        {
            return Encoding.UTF8.GetBytes(PodFields.ResourceValue(pod, resource.ContainerName ?? "", resource.Resource, resource.Divisor, node));
        }

        return [];
    }

    private static void Write(string dir, List<FileEntry> files, bool tmpfs)
    {
        Directory.CreateDirectory(dir);
        if (tmpfs)
        {
            HostMounts.MountTmpfs(dir, null);
            File.SetUnixFileMode(dir, (UnixFileMode)0x1ED);
        }

        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in files)
        {
            if (Path.IsPathRooted(f.Path) || f.Path.Split('/').Contains(".."))
            {
                throw new ContainerConfigException($"invalid path \"{f.Path}\" in a volume item");
            }

            var path = Path.Combine(dir, f.Path);
            wanted.Add(path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (!File.Exists(path) || !File.ReadAllBytes(path).AsSpan().SequenceEqual(f.Content))
            {
                var tmp = path + ".tmp";
                File.WriteAllBytes(tmp, f.Content);
                File.Move(tmp, path, overwrite: true);
            }

            File.SetUnixFileMode(path, (UnixFileMode)(f.Mode & 0xFFF));
        }

        foreach (var existing in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            if (!wanted.Contains(existing))
            {
                File.Delete(existing);
            }
        }
    }

    private sealed record FileEntry(string Path, byte[] Content, int Mode);
}
