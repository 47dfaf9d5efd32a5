using System.Text.Json.Nodes;
using Berth.Agent.Pods;
using Berth.Agent.Volumes;
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

        /// <summary>Claims by "ns/name"; volumes by name; resolved as on node <c>node-a</c> (hostname label node-a).</summary>
        public Dictionary<string, JsonObject> Claims { get; } = [];

        public Dictionary<string, JsonObject> Volumes { get; } = [];

        public Task<ClaimVolume> ClaimAsync(string ns, string claimName, bool readOnly, CancellationToken cancellationToken)
        {
            var claim = Claims.GetValueOrDefault($"{ns}/{claimName}");
            var volume = claim?["spec"]?["volumeName"]?.GetValue<string>() is { } v ? Volumes.GetValueOrDefault(v) : null;
            return Task.FromResult(ClaimResolver.Resolve(ns, claimName, readOnly, claim, volume, "node-a", new Dictionary<string, string> { ["kubernetes.io/hostname"] = "node-a" }));
        }
    }
}
