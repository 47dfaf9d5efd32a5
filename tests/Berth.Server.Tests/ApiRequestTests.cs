using Berth.Api.Resources;
using Berth.Server.Http;
using Xunit;

namespace Berth.Server.Tests;

[Trait("Tier", "Unit")]
public sealed class ApiRequestTests
{
    [Theory]
    [InlineData("", "v1", "pods", "pods", null, null, null)]
    [InlineData("", "v1", "namespaces/default/pods", "pods", "default", null, null)]
    [InlineData("", "v1", "namespaces/default/pods/web", "pods", "default", "web", null)]
    [InlineData("", "v1", "namespaces/default/pods/web/log", "pods", "default", "web", "log")]
    [InlineData("", "v1", "namespaces", "namespaces", null, null, null)]
    [InlineData("", "v1", "namespaces/kube-system", "namespaces", null, "kube-system", null)]
    [InlineData("", "v1", "namespaces/kube-system/status", "namespaces", null, "kube-system", "status")]
    [InlineData("", "v1", "namespaces/kube-system/finalize", "namespaces", null, "kube-system", "finalize")]
    [InlineData("", "v1", "nodes/n1/status", "nodes", null, "n1", "status")]
    [InlineData("apps", "v1", "namespaces/shop/deployments/web/scale", "deployments", "shop", "web", "scale")]
    public void DecodesResourceUrls(string group, string version, string path, string plural, string? ns, string? name, string? sub)
    {
        var r = ApiRequest.Parse(ResourceRegistry.Default, group, version, path.Split('/'));
        Assert.NotNull(r);
        Assert.Equal(plural, r.Type.Plural);
        Assert.Equal(ns, r.Namespace);
        Assert.Equal(name, r.Name);
        Assert.Equal(sub, r.Subresource);
    }

    [Theory]
    [InlineData("", "v1", "widgets")]
    [InlineData("", "v1", "namespaces/default/nodes")]
    [InlineData("", "v1", "namespaces/default/pods/web/nope")]
    [InlineData("", "v1", "namespaces/default/pods/web/log/extra")]
    [InlineData("apps", "v1", "pods")]
    [InlineData("", "v1", "configmaps/x/scale")]
    public void RefusesWhatIsNotServed(string group, string version, string path) =>
        Assert.Null(ApiRequest.Parse(ResourceRegistry.Default, group, version, path.Split('/')));
}
