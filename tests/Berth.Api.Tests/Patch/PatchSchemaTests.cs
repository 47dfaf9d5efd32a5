using Berth.Api.Patch;
using Berth.Api.Resources;
using Xunit;

namespace Berth.Api.Tests.Patch;

[Trait("Tier", "Unit")]
public sealed class PatchSchemaTests
{
    [Fact]
    public void EveryServedKubernetesKindHasASchemaAndCustomResourcesDoNot()
    {
        foreach (var type in ResourceRegistry.Default.Types.Where(t => !t.Virtual))
        {
            var schema = PatchSchema.For(type.Group, type.Kind);
            if (type.Group == "kubevirt.io")
            {
                Assert.Null(schema);
            }
            else
            {
                Assert.True(schema is not null, $"no strategic-merge schema for {type.QualifiedKind}");
                Assert.Equal("merge by uid", schema!.Child("metadata").Field("ownerReferences")!.ToString());
            }
        }

        Assert.NotNull(PatchSchema.For("autoscaling", "Scale"));
        Assert.Null(PatchSchema.For("metrics.k8s.io", "PodMetrics"));
        Assert.Null(PatchSchema.For("example.com", "Widget"));
    }

    [Fact]
    public void PodTemplatePathsOfEveryWorkload()
    {
        string[] containersAt =
        [
            "apps/Deployment spec.template.spec.containers",
            "apps/ReplicaSet spec.template.spec.containers",
            "apps/StatefulSet spec.template.spec.containers",
            "apps/DaemonSet spec.template.spec.containers",
            "batch/Job spec.template.spec.containers",
            "batch/CronJob spec.jobTemplate.spec.template.spec.containers",
            "/Pod spec.containers",
        ];
        foreach (var entry in containersAt)
        {
            var (groupKind, path) = (entry.Split(' ')[0], entry.Split(' ')[1]);
            var schema = PatchSchema.For(groupKind.Split('/')[0], groupKind.Split('/')[1])!;
            var steps = path.Split('.');
            foreach (var step in steps[..^1])
            {
                schema = schema.Child(step);
            }

            var containers = schema.Field(steps[^1]);
            Assert.Equal("merge by name", containers?.ToString());
            Assert.Equal("merge by containerPort", containers!.Schema!.Field("ports")!.ToString());
        }
    }

    [Fact]
    public void DescribeListsTheDeploymentTable()
    {
        var lines = PatchSchema.For("apps", "Deployment")!.Describe().ToList();
        Assert.Contains("spec.strategy: object, retainKeys", lines);
        Assert.Contains("spec.template.spec.containers: merge by name", lines);
        Assert.Contains("spec.template.spec.containers[].env: merge by name", lines);
        Assert.Contains("spec.template.spec.containers[].volumeMounts: merge by mountPath", lines);
        Assert.Contains("spec.template.spec.volumes: merge by name, retainKeys", lines);
        Assert.Contains("spec.template.spec.tolerations: replace (atomic)", lines);
        Assert.Contains("spec.template.metadata.finalizers: merge (set)", lines);
        Assert.Contains("metadata.managedFields: replace (atomic)", lines);
        Assert.Contains("status.conditions: merge by type", lines);
    }

    [Fact]
    public void UnknownFieldsHaveNoMetadata()
    {
        var pod = PatchSchema.For("", "Pod")!;
        Assert.Null(pod.Field("nonsense"));
        Assert.Same(PatchSchema.Empty, pod.Child("nonsense"));
    }
}
