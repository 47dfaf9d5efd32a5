using Berth.Agent.Pods;
using Berth.Runtime.Oci.Images;
using k8s;
using k8s.Models;

namespace Berth.Agent.Tests.Pods;

internal static class PodFixtures
{
    public static V1Pod Pod(string json) => KubernetesJson.Deserialize<V1Pod>(json);

    public static ResolvedImage Image(List<string>? entrypoint = null, List<string>? cmd = null, string? user = null, List<string>? env = null, string? workdir = null) =>
        new("docker.io/library/bb:1", "sha256:" + new string('a', 64), "sha256:" + new string('b', 64),
            new ContainerConfig { Entrypoint = entrypoint, Cmd = cmd, User = user, Env = env, WorkingDir = workdir }, []);

    public static PodSandboxInfo Sandbox(IReadOnlyDictionary<string, string>? volumes = null) => new()
    {
        NetnsPath = "/var/run/netns/berth-x",
        IpcPath = "/run/berth/pods/u/ipc",
        UtsPath = "/run/berth/pods/u/uts",
        Hostname = "web",
        PodIP = "10.244.0.5",
        Volumes = volumes ?? new Dictionary<string, string>(),
    };

    public sealed class Objects : IPodObjects
    {
        public Dictionary<string, V1ConfigMap> ConfigMaps { get; } = [];

        public Dictionary<string, V1Secret> Secrets { get; } = [];

        public Task<V1ConfigMap?> ConfigMapAsync(string ns, string name, CancellationToken cancellationToken) =>
            Task.FromResult(ConfigMaps.GetValueOrDefault($"{ns}/{name}"));

        public Task<V1Secret?> SecretAsync(string ns, string name, CancellationToken cancellationToken) =>
            Task.FromResult(Secrets.GetValueOrDefault($"{ns}/{name}"));

        public Dictionary<string, V1PersistentVolumeClaim> Claims { get; } = [];

        public Dictionary<string, V1PersistentVolume> Volumes { get; } = [];

        public Task<V1PersistentVolumeClaim?> ClaimAsync(string ns, string name, CancellationToken cancellationToken) =>
            Task.FromResult(Claims.GetValueOrDefault($"{ns}/{name}"));

        public Task<V1PersistentVolume?> VolumeAsync(string name, CancellationToken cancellationToken) =>
            Task.FromResult(Volumes.GetValueOrDefault(name));
    }
}
