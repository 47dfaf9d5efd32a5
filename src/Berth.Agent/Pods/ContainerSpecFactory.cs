using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Berth.Runtime.Oci.Images;
using Berth.Runtime.Oci.Runtime;
using k8s.Models;

namespace Berth.Agent.Pods;

/// <summary>
/// Turns one container of a pod (with the pod's sandbox, its resolved image and its resolved environment) into the
/// runtime's <see cref="ContainerSpec"/>, the way the kubelet and containerd's CRI plugin do it together:
/// command/args over the image's ENTRYPOINT/CMD, image ENV then the container's env, <c>$(VAR)</c> expansion of
/// command and args, workingDir, user and runAsNonRoot, capabilities and privileges, resources in the pod's cgroup
/// <c>/berth/pod&lt;uid&gt;</c>, the pod's shared namespaces, /etc files and volume mounts.
/// </summary>
internal static class ContainerSpecFactory
{
    /// <summary>The runtime id of one instance: <c>UID12-NAME-RESTARTCOUNT</c> (a hash instead of the name when too long).</summary>
    public static string ContainerId(string podUid, string name, int restartCount)
    {
        var uid = podUid.Replace("-", "", StringComparison.Ordinal);
        uid = uid.Length > 12 ? uid[..12] : uid;
        var count = restartCount.ToString(CultureInfo.InvariantCulture);
        var id = $"{uid}-{name}-{count}";
        if (id.Length <= 64)
        {
            return id;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..16];
        return $"{uid}-{hash}-{count}";
    }

    /// <summary>The kubelet's <c>format.Pod</c>: <c>name_namespace(uid)</c>.</summary>
    public static string FormatPod(V1Pod pod) => $"{pod.Metadata.Name}_{pod.Metadata.NamespaceProperty}({pod.Metadata.Uid})";

    public static ContainerSpec Build(
        V1Pod pod,
        V1Container container,
        ContainerKind kind,
        int restartCount,
        ResolvedImage image,
        IReadOnlyList<KeyValuePair<string, string>> env,
        PodSandboxInfo sandbox,
        string logPath)
    {
        var uid = pod.Metadata.Uid;
        var lookup = env.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        string? Lookup(string n) => lookup.GetValueOrDefault(n);

        var command = (container.Command ?? []).Select(c => Expansion.Expand(c, Lookup)).ToList();
        var args = (container.Args ?? []).Select(a => Expansion.Expand(a, Lookup)).ToList();
        List<string> argv;
        if (command.Count == 0)
        {
            argv = [.. image.Config.Entrypoint ?? [], .. args.Count > 0 ? args : image.Config.Cmd ?? []];
        }
        else
        {
            argv = [.. command, .. args];
        }

        if (argv.Count == 0)
        {
            throw new ContainerCreateException("no command specified");
        }

        var mergedEnv = new List<string>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in (image.Config.Env ?? []).Concat(env.Select(p => $"{p.Key}={p.Value}")))
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? entry : entry[..eq];
            if (seen.TryGetValue(name, out var at))
            {
                mergedEnv[at] = entry;
            }
            else
            {
                seen[name] = mergedEnv.Count;
                mergedEnv.Add(entry);
            }
        }

        if (!seen.ContainsKey("HOSTNAME"))
        {
            mergedEnv.Add("HOSTNAME=" + sandbox.Hostname);
        }

        var user = ResolveUser(pod, container, image);
        var sc = container.SecurityContext;
        var resources = container.Resources;
        var spec = new ContainerSpec
        {
            Id = ContainerId(uid, container.Name, restartCount),
            Name = $"{pod.Metadata.NamespaceProperty}_{pod.Metadata.Name}_{container.Name}",
            SandboxId = uid,
            LowerDirs = image.LayerDirs,
            Process = new ProcessSpec
            {
                Args = argv,
                Env = mergedEnv,
                WorkingDir = !string.IsNullOrEmpty(container.WorkingDir) ? container.WorkingDir
                    : !string.IsNullOrEmpty(image.Config.WorkingDir) ? image.Config.WorkingDir : "/",
                User = user,
                Tty = container.Tty == true,
                Stdin = container.Stdin == true,
            },
            Hostname = sandbox.UtsPath is null && sandbox.NetnsPath is null ? null : sandbox.Hostname,
            Mounts = Mounts(pod, container, sandbox),
            Namespaces = new NamespaceSpec
            {
                Network = sandbox.NetnsPath is { } netns ? NamespaceRef.Join(netns) : NamespaceRef.Host,
                Ipc = sandbox.IpcPath is { } ipc ? NamespaceRef.Join(ipc) : NamespaceRef.Host,
                Uts = sandbox.UtsPath is { } uts ? NamespaceRef.Join(uts) : NamespaceRef.Host,
                Pid = pod.Spec.HostPID == true ? NamespaceRef.Host : NamespaceRef.New,
            },
            Resources = ResourceSpec.FromKubernetes(
                "/berth/pod" + uid,
                Milli(resources?.Requests, "cpu"),
                Milli(resources?.Limits, "cpu"),
                Whole(resources?.Limits, "memory")),
            Security = new SecuritySpec
            {
                CapAdd = sc?.Capabilities?.Add?.ToList() ?? [],
                CapDrop = sc?.Capabilities?.Drop?.ToList() ?? [],
                Privileged = sc?.Privileged == true,
                ReadOnlyRootfs = sc?.ReadOnlyRootFilesystem == true,
                NoNewPrivileges = sc?.AllowPrivilegeEscalation == false,
            },
            HostsFile = sandbox.HostsFile,
            ResolvConfFile = sandbox.ResolvConfFile,
            HostnameFile = sandbox.HostnameFile,
            LogPath = logPath,
            Annotations = new Dictionary<string, string>
            {
                [ContainerAnnotations.PodUid] = uid,
                [ContainerAnnotations.PodNamespace] = pod.Metadata.NamespaceProperty ?? "default",
                [ContainerAnnotations.PodName] = pod.Metadata.Name,
                [ContainerAnnotations.ContainerName] = container.Name,
                [ContainerAnnotations.Kind] = kind == ContainerKind.Init ? "init" : "regular",
                [ContainerAnnotations.RestartCount] = restartCount.ToString(CultureInfo.InvariantCulture),
                [ContainerAnnotations.SpecHash] = container.Image ?? "",
                [ContainerAnnotations.Image] = image.Reference,
                [ContainerAnnotations.ImageId] = image.Digest,
                [ContainerAnnotations.StopSignal] = StopSignal(image.Config.StopSignal).ToString(CultureInfo.InvariantCulture),
            },
        };
        return spec;
    }

    /// <summary>
    /// The process's user: runAsUser/runAsGroup (container over pod) or the image's USER, resolved against the image's
    /// /etc/passwd; supplementalGroups and fsGroup added. Enforces runAsNonRoot with the kubelet's messages
    /// (<c>verifyRunAsNonRoot</c> in pkg/kubelet/kuberuntime/security_context_others.go).
    /// </summary>
    public static ProcessUser ResolveUser(V1Pod pod, V1Container container, ResolvedImage image)
    {
        var sc = container.SecurityContext;
        var psc = pod.Spec.SecurityContext;
        var runAsUser = sc?.RunAsUser ?? psc?.RunAsUser;
        var runAsGroup = sc?.RunAsGroup ?? psc?.RunAsGroup;
        var nonRoot = sc?.RunAsNonRoot ?? psc?.RunAsNonRoot;
        var imageUser = image.Config.User ?? "";
        if (nonRoot == true)
        {
            if (runAsUser is { } u)
            {
                if (u == 0)
                {
                    throw new ContainerConfigException($"container's runAsUser breaks non-root policy (pod: \"{FormatPod(pod)}\", container: {container.Name})");
                }
            }
            else
            {
                var userPart = imageUser.Split(':')[0];
                if (userPart.Length > 0 && !uint.TryParse(userPart, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    throw new ContainerConfigException($"container has runAsNonRoot and image has non-numeric user ({userPart}), cannot verify user is non-root (pod: \"{FormatPod(pod)}\", container: {container.Name})");
                }

                if (userPart.Length == 0 || userPart == "0")
                {
                    throw new ContainerConfigException($"container has runAsNonRoot and image will run as root (pod: \"{FormatPod(pod)}\", container: {container.Name})");
                }
            }
        }

        string spec;
        if (runAsUser is { } uid)
        {
            spec = runAsGroup is { } g ? $"{uid}:{g}" : uid.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            spec = runAsGroup is { } g ? $"{(imageUser.Length == 0 ? "0" : imageUser.Split(':')[0])}:{g}" : imageUser;
        }

        ProcessUser user;
        try
        {
            user = ImageUser.Resolve(spec, image.LayerDirs);
        }
        catch (ArgumentException e)
        {
            throw new ContainerCreateException(e.Message);
        }

        var extra = new List<uint>(user.AdditionalGids ?? []);
        foreach (var g in psc?.SupplementalGroups ?? [])
        {
            if (g is { } gid)
            {
                extra.Add((uint)gid);
            }
        }

        if (psc?.FsGroup is { } fs)
        {
            extra.Add((uint)fs);
        }

        extra = extra.Distinct().Where(g => g != user.Gid).ToList();
        return user with { AdditionalGids = extra.Count == 0 ? null : extra };
    }

    private static List<MountSpec> Mounts(V1Pod pod, V1Container container, PodSandboxInfo sandbox)
    {
        var mounts = new List<MountSpec>();
        // A claim mounted with persistentVolumeClaim.readOnly is read-only in every container, whatever the mount says.
        var readOnlyClaims = (pod.Spec.Volumes ?? []).Where(v => v.PersistentVolumeClaim?.ReadOnlyProperty == true).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var vm in container.VolumeMounts ?? [])
        {
            if (!sandbox.Volumes.TryGetValue(vm.Name, out var hostPath))
            {
                throw new ContainerConfigException($"cannot find volume \"{vm.Name}\" to mount into container \"{container.Name}\"");
            }

            var source = hostPath;
            if (!string.IsNullOrEmpty(vm.SubPath))
            {
                if (Path.IsPathRooted(vm.SubPath) || vm.SubPath.Split('/').Contains(".."))
                {
                    throw new ContainerConfigException($"subPath \"{vm.SubPath}\" must be a relative path without '..'");
                }

                source = Path.Combine(hostPath, vm.SubPath);
                if (!File.Exists(source) && !Directory.Exists(source))
                {
                    Directory.CreateDirectory(source);
                }
            }

            mounts.Add(new MountSpec
            {
                Destination = vm.MountPath,
                Source = source,
                ReadOnly = vm.ReadOnlyProperty == true || readOnlyClaims.Contains(vm.Name),
                Propagation = vm.MountPropagation switch
                {
                    "HostToContainer" => MountPropagation.HostToContainer,
                    "Bidirectional" => MountPropagation.Bidirectional,
                    _ => MountPropagation.Private,
                },
            });
        }

        return mounts;
    }

    /// <summary>The image's STOPSIGNAL as a number (<c>SIGKILL</c>, <c>KILL</c>, <c>9</c>); SIGTERM when unset or unknown.</summary>
    public static int StopSignal(string? signal)
    {
        if (string.IsNullOrWhiteSpace(signal))
        {
            return 15;
        }

        if (int.TryParse(signal, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and < 65)
        {
            return n;
        }

        var name = signal.Trim().ToUpperInvariant();
        name = name.StartsWith("SIG", StringComparison.Ordinal) ? name[3..] : name;
        return name switch
        {
            "HUP" => 1, "INT" => 2, "QUIT" => 3, "KILL" => 9, "USR1" => 10, "USR2" => 12, "TERM" => 15, "WINCH" => 28,
            _ => 15,
        };
    }

    private static long? Milli(IDictionary<string, ResourceQuantity>? map, string name) =>
        map is not null && map.TryGetValue(name, out var q) ? (long)Math.Ceiling(q.ToDecimal() * 1000) : null;

    private static long? Whole(IDictionary<string, ResourceQuantity>? map, string name) =>
        map is not null && map.TryGetValue(name, out var q) ? (long)q.ToDecimal() : null;
}
