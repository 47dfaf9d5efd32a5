using Berth.Api.Client;
using k8s;
using k8s.Models;

namespace Berth.Agent.Pods;

/// <summary>Config maps and secrets read from the API, each at most once per sync; claims and volumes at every call (a claim gets bound while a pod waits).</summary>
internal sealed class ApiPodObjects(PodWorkerContext context) : IPodObjects
{
    private readonly Dictionary<string, V1ConfigMap?> _configMaps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, V1Secret?> _secrets = new(StringComparer.Ordinal);

    public async Task<V1ConfigMap?> ConfigMapAsync(string ns, string name, CancellationToken ct)
    {
        var key = ns + "/" + name;
        if (!_configMaps.TryGetValue(key, out var cm))
        {
            cm = await GetAsync<V1ConfigMap>(context.ConfigMaps, ns, name, ct);
            _configMaps[key] = cm;
        }

        return cm;
    }

    public async Task<V1Secret?> SecretAsync(string ns, string name, CancellationToken ct)
    {
        var key = ns + "/" + name;
        if (!_secrets.TryGetValue(key, out var s))
        {
            s = await GetAsync<V1Secret>(context.Secrets, ns, name, ct);
            _secrets[key] = s;
        }

        return s;
    }

    public Task<V1PersistentVolumeClaim?> ClaimAsync(string ns, string name, CancellationToken ct) =>
        GetAsync<V1PersistentVolumeClaim>(context.Claims, ns, name, ct);

    public Task<V1PersistentVolume?> VolumeAsync(string name, CancellationToken ct) =>
        GetAsync<V1PersistentVolume>(context.Volumes, null, name, ct);

    private async Task<T?> GetAsync<T>(Berth.Api.Resources.ResourceType type, string? ns, string name, CancellationToken ct)
        where T : class
    {
        try
        {
            var obj = await context.Api.GetAsync(type, ns, name, ct);
            return KubernetesJson.Deserialize<T>(obj.ToJsonString());
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return null;
        }
    }
}
