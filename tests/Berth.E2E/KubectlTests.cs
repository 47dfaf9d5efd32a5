using Berth.Testing;
using System.Diagnostics;
using Xunit;

namespace Berth.E2E;

/// <summary>kubectl, unchanged and with default flags, against `berth up`: the compatibility contract of issue 2.</summary>
[Trait("Tier", "E2E")]
public sealed class KubectlTests(BerthFixture fx) : IClassFixture<BerthFixture>
{
    private static string SockShop => Path.Combine(TestPaths.Fixtures, "sock-shop", "complete-demo.yaml");

    [Fact]
    public async Task ApiResourcesListsEveryServedTypeWithShortNames()
    {
        var output = await fx.Kubectl.OkAsync("api-resources");
        string[] expected =
        [
            "namespaces ns", "pods po", "services svc", "endpoints ep", "configmaps cm", "secrets", "events ev", "nodes no",
            "serviceaccounts sa", "deployments deploy", "replicasets rs", "statefulsets sts", "daemonsets ds", "controllerrevisions",
            "jobs", "cronjobs cj", "leases", "runtimeclasses",
        ];
        var lines = output.Split('\n').Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();
        foreach (var e in expected)
        {
            Assert.Contains(lines, l => l.StartsWith(e + " ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task SockShopAppliesThenReappliesUnchangedThenDeletes()
    {
        var first = await fx.Kubectl.OkAsync($"apply -f {SockShop}");
        var created = first.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(29, created.Length);
        Assert.All(created, l => Assert.EndsWith(" created", l));

        var second = await fx.Kubectl.OkAsync($"apply -f {SockShop}");
        var unchanged = second.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(29, unchanged.Length);
        Assert.All(unchanged, l => Assert.EndsWith(" unchanged", l));

        await MutateLikeAnOperatorAsync();

        var deploys = await fx.Kubectl.OkAsync("get deploy -n sock-shop -o name");
        Assert.Equal(14, deploys.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var services = await fx.Kubectl.OkAsync("get svc -n sock-shop -o name");
        Assert.Equal(14, services.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var deleted = await fx.Kubectl.OkAsync($"delete -f {SockShop} --wait=true --timeout=120s");
        Assert.Equal(29, deleted.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var gone = await fx.Kubectl.RunAsync("get ns sock-shop");
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("NotFound", gone.Stderr);
    }

    /// <summary>set image, the three patch types, label, annotate, edit and table output, as an operator uses them.</summary>
    private async Task MutateLikeAnOperatorAsync()
    {
        const string ns = "-n sock-shop";
        Assert.Contains("image updated", await fx.Kubectl.OkAsync($"set image deployment/front-end {ns} front-end=weaveworksdemos/front-end:0.3.13"));
        Assert.Equal("weaveworksdemos/front-end:0.3.13",
            await fx.Kubectl.OkAsync($"get deployment front-end {ns} -o jsonpath={{.spec.template.spec.containers[0].image}}"));

        Assert.Contains("patched", await fx.Kubectl.OkAsync($"patch deployment carts {ns} --type=strategic -p '{{\"spec\":{{\"replicas\":2}}}}'"));
        Assert.Contains("patched", await fx.Kubectl.OkAsync($"patch deployment carts {ns} --type=merge -p '{{\"metadata\":{{\"labels\":{{\"patched\":\"merge\"}}}}}}'"));
        Assert.Contains("patched", await fx.Kubectl.OkAsync($"patch deployment carts {ns} --type=json -p '[{{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":3}}]'"));
        Assert.Equal("3", await fx.Kubectl.OkAsync($"get deployment carts {ns} -o jsonpath={{.spec.replicas}}"));
        Assert.Equal("merge", await fx.Kubectl.OkAsync($"get deployment carts {ns} -o jsonpath={{.metadata.labels.patched}}"));

        Assert.Contains("labeled", await fx.Kubectl.OkAsync($"label deployment carts {ns} tier=backend"));
        Assert.Contains("annotated", await fx.Kubectl.OkAsync($"annotate deployment carts {ns} berth.dev/note=hello"));
        Assert.Equal("backend", await fx.Kubectl.OkAsync($"get deployment carts {ns} -o jsonpath={{.metadata.labels.tier}}"));

        var editor = Path.Combine(Path.GetTempPath(), $"bt-editor-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(editor, "#!/bin/sh\nsed -i 's/replicas: 3/replicas: 4/' \"$1\"\n");
        File.SetUnixFileMode(editor, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var edited = await fx.Kubectl.OkAsync($"edit deployment carts {ns}", env: new Dictionary<string, string> { ["KUBE_EDITOR"] = editor });
            Assert.Contains("edited", edited);
        }
        finally
        {
            File.Delete(editor);
        }

        Assert.Equal("4", await fx.Kubectl.OkAsync($"get deployment carts {ns} -o jsonpath={{.spec.replicas}}"));

        var tables = await fx.Kubectl.OkAsync($"get deploy,svc {ns}");
        var lines = tables.Split('\n').Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();
        Assert.Contains("NAME READY UP-TO-DATE AVAILABLE AGE", lines);
        Assert.Contains("NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE", lines);
        Assert.Contains(lines, l => l.StartsWith("deployment.apps/carts ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("service/front-end NodePort ", StringComparison.Ordinal) && l.Contains("80:30001/TCP", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetWatchStreamsNewObjects()
    {
        await fx.Kubectl.OkAsync("create namespace bt-watch");
        var psi = new ProcessStartInfo("kubectl", ["get", "configmaps", "-n", "bt-watch", "-w", "--request-timeout=0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["KUBECONFIG"] = fx.Kubectl.Kubeconfig;
        using var watch = Process.Start(psi)!;
        try
        {
            await fx.Kubectl.OkAsync("create configmap -n bt-watch bt-one --from-literal=a=b");
            var seen = await ReadUntilAsync(watch.StandardOutput, "bt-one", TimeSpan.FromSeconds(20));
            Assert.True(seen, "kubectl get -w did not print the new config map");
            await fx.Kubectl.OkAsync("create configmap -n bt-watch bt-two --from-literal=a=b");
            Assert.True(await ReadUntilAsync(watch.StandardOutput, "bt-two", TimeSpan.FromSeconds(20)), "second object not streamed");
        }
        finally
        {
            watch.Kill();
            await watch.WaitForExitAsync(TestContext.Current.CancellationToken);
            await fx.Kubectl.RunAsync("delete namespace bt-watch --wait=false");
        }
    }

    private static async Task<bool> ReadUntilAsync(StreamReader reader, string needle, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await reader.ReadLineAsync(cts.Token) is { } line)
            {
                if (line.Contains(needle, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return false;
    }
}
