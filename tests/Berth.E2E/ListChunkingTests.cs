using System.Net;
using System.Text.Json.Nodes;
using Berth.Testing;
using k8s;
using k8s.Models;
using Xunit;

namespace Berth.E2E;

/// <summary>
/// List chunking (<c>limit</c>/<c>continue</c>) as clients use it: the official client paging by hand,
/// kubectl's own chunked <c>get</c> (it always sends <c>limit=500</c>, <c>--chunk-size</c> changes that),
/// a consistent snapshot across pages, and 400s for tokens that cannot be used.
/// </summary>
[Trait("Tier", "E2E")]
public sealed class ListChunkingTests(BerthFixture fx) : IClassFixture<BerthFixture>
{
    private const string Ns = "bt-chunks";

    [Fact]
    public async Task PagesAreOneSnapshotAndKubectlFollowsThem()
    {
        var ct = TestContext.Current.CancellationToken;
        using var k = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(fx.Berth.Kubeconfig));
        await k.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } }, cancellationToken: ct);
        for (var i = 0; i < 7; i++)
        {
            await k.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = $"cm-{i}", Labels = new Dictionary<string, string> { ["odd"] = (i % 2 == 1).ToString().ToLowerInvariant() } },
            }, Ns, cancellationToken: ct);
        }

        // Page by 3: 3 + 3 + 1, remainingItemCount counts down, every page at the first page's revision.
        var first = await k.CoreV1.ListNamespacedConfigMapAsync(Ns, limit: 3, cancellationToken: ct);
        Assert.Equal(["cm-0", "cm-1", "cm-2"], first.Items.Select(c => c.Metadata.Name));
        Assert.False(string.IsNullOrEmpty(first.Metadata.ContinueProperty));
        Assert.Equal(4, first.Metadata.RemainingItemCount);

        // Written between pages: not in this list (a snapshot), but in a new one.
        await k.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm-late" } }, Ns, cancellationToken: ct);
        await k.CoreV1.DeleteNamespacedConfigMapAsync("cm-5", Ns, cancellationToken: ct);

        var second = await k.CoreV1.ListNamespacedConfigMapAsync(Ns, limit: 3, continueParameter: first.Metadata.ContinueProperty, cancellationToken: ct);
        Assert.Equal(["cm-3", "cm-4", "cm-5"], second.Items.Select(c => c.Metadata.Name));
        Assert.Equal(first.Metadata.ResourceVersion, second.Metadata.ResourceVersion);
        Assert.Equal(1, second.Metadata.RemainingItemCount);

        var third = await k.CoreV1.ListNamespacedConfigMapAsync(Ns, limit: 3, continueParameter: second.Metadata.ContinueProperty, cancellationToken: ct);
        Assert.Equal(["cm-6"], third.Items.Select(c => c.Metadata.Name));
        Assert.True(string.IsNullOrEmpty(third.Metadata.ContinueProperty));
        Assert.Null(third.Metadata.RemainingItemCount);

        // With a selector: pages hold matching items only, no remainingItemCount (as Kubernetes), and the
        // last page is the one after which nothing matches (cm-5 is gone, so cm-3 is the last odd one).
        var odd = await k.CoreV1.ListNamespacedConfigMapAsync(Ns, labelSelector: "odd=true", limit: 1, cancellationToken: ct);
        Assert.Equal(["cm-1"], odd.Items.Select(c => c.Metadata.Name));
        Assert.Null(odd.Metadata.RemainingItemCount);
        Assert.False(string.IsNullOrEmpty(odd.Metadata.ContinueProperty));
        var oddRest = await k.CoreV1.ListNamespacedConfigMapAsync(Ns, labelSelector: "odd=true", limit: 1, continueParameter: odd.Metadata.ContinueProperty, cancellationToken: ct);
        Assert.Equal(["cm-3"], oddRest.Items.Select(c => c.Metadata.Name));
        Assert.True(string.IsNullOrEmpty(oddRest.Metadata.ContinueProperty));

        // kubectl pages by itself (Table responses carry the token too): every current object, once.
        var names = await fx.Kubectl.OkAsync($"get configmaps -n {Ns} --chunk-size=2 -o name");
        var got = names.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(n => n != "configmap/kube-root-ca.crt");
        Assert.Equal(["configmap/cm-0", "configmap/cm-1", "configmap/cm-2", "configmap/cm-3", "configmap/cm-4", "configmap/cm-6", "configmap/cm-late"], got);
        var table = await fx.Kubectl.OkAsync($"get configmaps -n {Ns} --chunk-size=3");
        foreach (var name in new[] { "cm-0", "cm-4", "cm-6", "cm-late" })
        {
            Assert.Contains(name, table, StringComparison.Ordinal);
        }

        Assert.Single(table.Split('\n'), l => l.StartsWith("NAME", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnusableTokensAnswer400()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = ApiHttp.Create(fx.Berth);
        using var garbage = await http.GetAsync("/api/v1/namespaces/default/configmaps?limit=1&continue=not-a-token", ct);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Contains("continue key is not valid", await garbage.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        using var negative = await http.GetAsync("/api/v1/configmaps?limit=-1", ct);
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);

        var page = JsonNode.Parse(await http.GetStringAsync("/api/v1/namespaces?limit=1", ct))!;
        var token = page["metadata"]!["continue"]!.GetValue<string>();
        using var withVersion = await http.GetAsync($"/api/v1/namespaces?limit=1&continue={token}&resourceVersion=5", ct);
        Assert.Equal(HttpStatusCode.BadRequest, withVersion.StatusCode);
        Assert.Contains("specifying resource version is not allowed when using continue", await withVersion.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }
}
