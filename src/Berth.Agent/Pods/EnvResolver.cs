using System.Text;
using k8s.Models;

namespace Berth.Agent.Pods;

/// <summary>
/// A container's environment as the kubelet builds it (<c>makeEnvironmentVariables</c> in
/// pkg/kubelet/kubelet_pods.go): <c>envFrom</c> sources first (config maps and secrets, with their prefix), then
/// <c>env</c> in order, each value <c>$(VAR)</c>-expanded against what is defined before it; <c>valueFrom</c>
/// reads config map and secret keys, fieldRefs and resourceFieldRefs. A missing object or key fails with the
/// kubelet's message unless the reference is optional.
/// </summary>
internal static class EnvResolver
{
    public static async Task<IReadOnlyList<KeyValuePair<string, string>>> ResolveAsync(
        V1Pod pod, V1Container container, string? podIp, string? hostIp, NodeAllocatable node, IPodObjects objects, CancellationToken ct)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var result = new List<KeyValuePair<string, string>>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);

        void Set(string name, string value)
        {
            var i = result.FindIndex(p => p.Key == name);
            if (i >= 0)
            {
                result[i] = new(name, value);
            }
            else
            {
                result.Add(new(name, value));
            }

            values[name] = value;
        }

        foreach (var source in container.EnvFrom ?? [])
        {
            var prefix = source.Prefix ?? "";
            if (source.ConfigMapRef is { } cmRef)
            {
                var cm = await objects.ConfigMapAsync(ns, cmRef.Name, ct);
                if (cm is null)
                {
                    if (cmRef.Optional == true)
                    {
                        continue;
                    }

                    throw new ContainerConfigException($"configmap \"{cmRef.Name}\" not found");
                }

                foreach (var (k, v) in (cm.Data ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    Set(prefix + k, v);
                }
            }
            else if (source.SecretRef is { } sRef)
            {
                var secret = await objects.SecretAsync(ns, sRef.Name, ct);
                if (secret is null)
                {
                    if (sRef.Optional == true)
                    {
                        continue;
                    }

                    throw new ContainerConfigException($"secret \"{sRef.Name}\" not found");
                }

                foreach (var (k, v) in (secret.Data ?? new Dictionary<string, byte[]>()).OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    Set(prefix + k, Encoding.UTF8.GetString(v));
                }
            }
        }

        foreach (var env in container.Env ?? [])
        {
            if (env.ValueFrom is null)
            {
                Set(env.Name, Expansion.Expand(env.Value ?? "", n => values.GetValueOrDefault(n)));
                continue;
            }

            var from = env.ValueFrom;
            string? value;
            if (from.FieldRef is { } fieldRef)
            {
                value = PodFields.FieldValue(pod, fieldRef.FieldPath, podIp, hostIp);
            }
            else if (from.ResourceFieldRef is { } resRef)
            {
                value = PodFields.ResourceValue(pod, string.IsNullOrEmpty(resRef.ContainerName) ? container.Name : resRef.ContainerName, resRef.Resource, resRef.Divisor, node);
            }
            else if (from.ConfigMapKeyRef is { } cmKey)
            {
                var cm = await objects.ConfigMapAsync(ns, cmKey.Name, ct);
                if (cm is null)
                {
                    if (cmKey.Optional == true)
                    {
                        continue;
                    }

                    throw new ContainerConfigException($"configmap \"{cmKey.Name}\" not found");
                }

                if (cm.Data?.TryGetValue(cmKey.Key, out var v) == true)
                {
                    value = v;
                }
                else if (cm.BinaryData?.TryGetValue(cmKey.Key, out var b) == true)
                {
                    value = Encoding.UTF8.GetString(b);
                }
                else if (cmKey.Optional == true)
                {
                    continue;
                }
                else
                {
                    throw new ContainerConfigException($"couldn't find key {cmKey.Key} in ConfigMap {ns}/{cmKey.Name}");
                }
            }
            else if (from.SecretKeyRef is { } sKey)
            {
                var secret = await objects.SecretAsync(ns, sKey.Name, ct);
                if (secret is null)
                {
                    if (sKey.Optional == true)
                    {
                        continue;
                    }

                    throw new ContainerConfigException($"secret \"{sKey.Name}\" not found");
                }

                if (secret.Data?.TryGetValue(sKey.Key, out var b) == true)
                {
                    value = Encoding.UTF8.GetString(b);
                }
                else if (sKey.Optional == true)
                {
                    continue;
                }
                else
                {
                    throw new ContainerConfigException($"couldn't find key {sKey.Key} in Secret {ns}/{sKey.Name}");
                }
            }
            else
            {
                continue;
            }

            Set(env.Name, value);
        }

        return result;
    }
}
