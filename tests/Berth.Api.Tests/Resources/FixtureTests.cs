using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Xunit;

namespace Berth.Api.Tests.Resources;

/// <summary>The shared real-world manifests (tests/fixtures) must be accepted as Kubernetes accepts them.</summary>
[Trait("Tier", "Unit")]
public sealed class FixtureTests
{
    [Theory]
    [InlineData("sock-shop/complete-demo.yaml", 29)]
    [InlineData("kubevirt/vm-cirros.yaml", 1)]
    [InlineData("kubevirt/vmi-kernel-boot.yaml", 1)]
    [InlineData("kubevirt/vmi-masquerade.yaml", 1)]
    [InlineData("kubevirt/vmi-nocloud.yaml", 1)]
    [InlineData("kubevirt/vmi-replicaset-cirros.yaml", 1)]
    public void Every_object_of_a_fixture_is_valid(string file, int count)
    {
        var objects = Pipeline.Fixture(file).ToList();
        Assert.Equal(count, objects.Count);
        foreach (var obj in objects)
        {
            var type = ResourceRegistry.Default.FindByApiVersion(Json.String(obj, "apiVersion")!, Json.String(obj, "kind")!);
            if (type is null)
            {
                // VirtualMachineInstanceReplicaSet is not served yet.
                Assert.Equal("VirtualMachineInstanceReplicaSet", Json.String(obj, "kind"));
                continue;
            }

            var (created, causes) = Pipeline.Create(type.Kind, obj);
            Assert.True(causes.Count == 0, $"{type.Kind} {Json.String(obj, "metadata", "name")}:\n{string.Join("\n", causes)}");
            Assert.Equal(type.Strategy.Columns.Count, type.Strategy.Cells(created, Pipeline.Now).Count);
        }
    }

    [Fact]
    public void Sock_shop_deployments_default_like_Kubernetes()
    {
        var carts = Pipeline.Fixture("sock-shop/complete-demo.yaml").First(o => Json.String(o, "kind") == "Deployment" && Json.String(o, "metadata", "name") == "carts");
        var (deployment, _) = Pipeline.Create("Deployment", carts);
        var container = Json.Walk(deployment, "spec", "template", "spec", "containers")!.AsArray()[0]!;
        Assert.Equal("IfNotPresent", Json.String(container, "imagePullPolicy"));
        Assert.Equal("TCP", Json.String(container["ports"]![0], "protocol"));
        Assert.Equal("25%", Json.String(deployment, "spec", "strategy", "rollingUpdate", "maxSurge"));

        var mongo = Pipeline.Fixture("sock-shop/complete-demo.yaml").First(o => Json.String(o, "metadata", "name") == "carts-db" && Json.String(o, "kind") == "Deployment");
        var (db, _) = Pipeline.Create("Deployment", mongo);
        Assert.Equal("Always", Json.String(Json.Walk(db, "spec", "template", "spec", "containers")!.AsArray()[0], "imagePullPolicy"));

        var service = Pipeline.Fixture("sock-shop/complete-demo.yaml").First(o => Json.String(o, "kind") == "Service" && Json.String(o, "metadata", "name") == "front-end");
        var (svc, _) = Pipeline.Create("Service", service);
        Assert.Equal("NodePort", Json.String(svc, "spec", "type"));
        Assert.Equal("""[{"port":80,"targetPort":8079,"nodePort":30001,"protocol":"TCP"}]""", Json.Walk(svc, "spec", "ports")!.ToJsonString());
    }
}
