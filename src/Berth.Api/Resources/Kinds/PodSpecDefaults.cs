using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// The defaulting functions of pkg/apis/core/v1/defaults.go (plus the declarative <c>+default</c> markers of
/// k8s.io/api/core/v1) for pod specs: <see cref="ApplyPodSpec"/> runs on every pod spec (pods and the templates
/// of workloads), <see cref="ApplyPod"/> adds what only materialises on a Pod (<c>SetDefaults_Pod</c>).
/// Defaulting only adds fields; what the client sent is never removed.
/// <see href="https://github.com/kubernetes/kubernetes/blob/master/pkg/apis/core/v1/defaults.go"/>
/// </summary>
internal static class PodSpecDefaults
{
    /// <summary>The volume source fields of <c>v1.VolumeSource</c>; a volume with none of them becomes an emptyDir.</summary>
    public static readonly IReadOnlyList<string> VolumeSources =
    [
        "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
        "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
        "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
        "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
    ];

    private static readonly string[] ContainerLists = ["initContainers", "containers", "ephemeralContainers"];

    /// <summary>Defaults of a Pod object: <c>SetDefaults_Pod</c> then the pod spec defaults.</summary>
    public static void ApplyPod(JsonObject pod)
    {
        var spec = Json.EnsureObject(pod, "spec");
        foreach (var list in new[] { "containers", "initContainers" })
        {
            foreach (var (_, c) in Nodes.Objects(spec[list]))
            {
                RequestsFromLimits(c);
            }
        }

        Nodes.Default(spec, "enableServiceLinks", true);
        if (Nodes.IsTrue(spec, "hostNetwork"))
        {
            foreach (var list in new[] { "containers", "initContainers" })
            {
                foreach (var (_, c) in Nodes.Objects(spec[list]))
                {
                    foreach (var (_, port) in Nodes.Objects(c["ports"]))
                    {
                        if (Nodes.Int(port, "hostPort") == 0 && Json.Long(port, "containerPort") is { } cp)
                        {
                            port["hostPort"] = cp;
                        }
                    }
                }
            }
        }

        ApplyPodSpec(spec);
    }

    /// <summary>Defaults of the pod template at <c>template</c> inside <paramref name="parent"/> (created when absent, as Go's value type is).</summary>
    public static void ApplyTemplate(JsonObject parent)
    {
        var spec = Nodes.Ensure(parent, "template", "spec");
        ApplyPodSpec(spec);
    }

    /// <summary><c>SetDefaults_PodSpec</c> and the defaults of everything a pod spec contains.</summary>
    public static void ApplyPodSpec(JsonObject spec)
    {
        Nodes.Default(spec, "dnsPolicy", "ClusterFirst");
        Nodes.Default(spec, "restartPolicy", "Always");
        Nodes.Default(spec, "securityContext", new JsonObject());
        Nodes.Default(spec, "terminationGracePeriodSeconds", 30);
        Nodes.Default(spec, "schedulerName", "default-scheduler");

        // v1 conversion keeps the deprecated serviceAccount field equal to serviceAccountName.
        var sa = Json.String(spec, "serviceAccountName") is { Length: > 0 } n ? n : Json.String(spec, "serviceAccount");
        if (!string.IsNullOrEmpty(sa))
        {
            spec["serviceAccountName"] = sa;
            spec["serviceAccount"] = sa;
        }

        foreach (var list in ContainerLists)
        {
            foreach (var (_, c) in Nodes.Objects(spec[list]))
            {
                ApplyContainer(c);
            }
        }

        foreach (var (_, volume) in Nodes.Objects(spec["volumes"]))
        {
            ApplyVolume(volume);
        }
    }

    /// <summary><c>SetDefaults_Container</c> and the defaults of ports, probes, lifecycle handlers and env.</summary>
    public static void ApplyContainer(JsonObject c)
    {
        if (!Nodes.Has(c, "imagePullPolicy") || Nodes.Str(c, "imagePullPolicy").Length == 0)
        {
            c["imagePullPolicy"] = ImageTag(Nodes.Str(c, "image")) == "latest" ? "Always" : "IfNotPresent";
        }

        if (Nodes.Str(c, "terminationMessagePath").Length == 0)
        {
            c["terminationMessagePath"] = "/dev/termination-log";
        }

        if (Nodes.Str(c, "terminationMessagePolicy").Length == 0)
        {
            c["terminationMessagePolicy"] = "File";
        }

        // ResourceRequirements is a value type: it always serialises, as {} when empty.
        Nodes.Default(c, "resources", new JsonObject());

        foreach (var (_, port) in Nodes.Objects(c["ports"]))
        {
            Nodes.Default(port, "protocol", "TCP");
        }

        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            if (c[probe] is JsonObject p)
            {
                ApplyProbe(p);
            }
        }

        foreach (var hook in new[] { "postStart", "preStop" })
        {
            if (Json.Object(c, "lifecycle", hook) is { } h)
            {
                ApplyHandler(h);
            }
        }

        foreach (var (_, env) in Nodes.Objects(c["env"]))
        {
            if (Json.Object(env, "valueFrom", "fieldRef") is { } fieldRef)
            {
                Nodes.Default(fieldRef, "apiVersion", "v1");
            }

            if (Json.Object(env, "valueFrom", "resourceFieldRef") is { } resourceRef)
            {
                Nodes.Default(resourceRef, "divisor", "0");
            }
        }
    }

    /// <summary><c>SetDefaults_Probe</c>: zero (or absent) timings take Kubernetes' values.</summary>
    public static void ApplyProbe(JsonObject probe)
    {
        foreach (var (name, value) in new[] { ("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1), ("failureThreshold", 3) })
        {
            if (Nodes.Int(probe, name) == 0 && !Nodes.IsNonInteger(probe[name]))
            {
                probe[name] = value;
            }
        }

        ApplyHandler(probe);
    }

    /// <summary><c>SetDefaults_Volume</c> and the defaults of its source.</summary>
    public static void ApplyVolume(JsonObject volume)
    {
        if (!VolumeSources.Any(s => Nodes.Has(volume, s)))
        {
            volume["emptyDir"] = new JsonObject();
        }

        foreach (var source in new[] { "secret", "configMap", "downwardAPI", "projected" })
        {
            if (volume[source] is JsonObject s)
            {
                Nodes.Default(s, "defaultMode", 420);
            }
        }

        if (volume["hostPath"] is JsonObject hostPath)
        {
            Nodes.Default(hostPath, "type", "");
        }

        if (volume["downwardAPI"] is JsonObject downward)
        {
            DownwardItems(downward);
        }

        foreach (var (_, source) in Nodes.Objects(Json.Array(volume, "projected", "sources")))
        {
            if (source["serviceAccountToken"] is JsonObject token)
            {
                Nodes.Default(token, "expirationSeconds", 3600);
            }

            if (source["downwardAPI"] is JsonObject d)
            {
                DownwardItems(d);
            }
        }

        if (Json.Object(volume, "ephemeral", "volumeClaimTemplate", "spec") is { } claim)
        {
            Nodes.Default(claim, "volumeMode", "Filesystem");
        }
    }

    /// <summary>
    /// The tag of an image reference as <c>parsers.ParseImageName</c> sees it: the text after the last ':' of the
    /// last path component, <c>latest</c> when there is neither tag nor digest, <c>""</c> for a digest without tag.
    /// </summary>
    public static string ImageTag(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var name = at >= 0 ? image[..at] : image;
        var slash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        if (colon > slash)
        {
            return name[(colon + 1)..];
        }

        return at >= 0 || image.Length == 0 ? "" : "latest";
    }

    private static void ApplyHandler(JsonObject handler)
    {
        if (handler["httpGet"] is JsonObject http)
        {
            if (Nodes.Str(http, "path").Length == 0)
            {
                http["path"] = "/";
            }

            if (Nodes.Str(http, "scheme").Length == 0)
            {
                http["scheme"] = "HTTP";
            }
        }

        if (handler["grpc"] is JsonObject grpc)
        {
            Nodes.Default(grpc, "service", "");
        }
    }

    private static void DownwardItems(JsonObject downward)
    {
        foreach (var (_, item) in Nodes.Objects(downward["items"]))
        {
            if (item["fieldRef"] is JsonObject fieldRef)
            {
                Nodes.Default(fieldRef, "apiVersion", "v1");
            }

            if (item["resourceFieldRef"] is JsonObject resourceRef)
            {
                Nodes.Default(resourceRef, "divisor", "0");
            }
        }
    }

    private static void RequestsFromLimits(JsonObject container)
    {
        if (Json.Object(container, "resources", "limits") is not { Count: > 0 } limits)
        {
            return;
        }

        var requests = Nodes.Ensure(container, "resources", "requests");
        foreach (var (name, value) in limits)
        {
            if (!requests.ContainsKey(name))
            {
                requests[name] = value?.DeepClone();
            }
        }
    }
}
