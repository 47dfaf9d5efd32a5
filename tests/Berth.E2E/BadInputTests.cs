using Berth.Testing;
using System.Net;
using System.Text;
using Xunit;

namespace Berth.E2E;

/// <summary>
/// Hostile and malformed requests: every one gets the Kubernetes code and reason it should, and the
/// server keeps serving. No credentials and bad tokens get 401; broken bodies 400; oversized
/// bodies 413; unknown paths 404; wrong methods 405; invalid objects 422.
/// </summary>
[Trait("Tier", "E2E")]
public sealed class BadInputTests(BerthFixture fx) : IClassFixture<BerthFixture>
{
    private sealed record Case(string Name, HttpMethod Method, string Path, Func<HttpContent?> Body, int Code, string Reason, bool Credentials = true,
        string? Token = null);

    private static readonly string[] Collections =
    [
        "/api/v1/namespaces/default/pods", "/api/v1/namespaces/default/services", "/api/v1/namespaces/default/configmaps",
        "/api/v1/namespaces/default/secrets", "/apis/apps/v1/namespaces/default/deployments", "/apis/apps/v1/namespaces/default/statefulsets",
        "/apis/batch/v1/namespaces/default/jobs", "/apis/coordination.k8s.io/v1/namespaces/default/leases", "/api/v1/nodes", "/api/v1/namespaces",
    ];

    private static IEnumerable<Case> Cases()
    {
        // 1. No credentials, bad tokens: 401 everywhere but the health endpoints.
        foreach (var path in Collections.Concat(["/api", "/apis", "/version", "/api/v1", "/apis/apps/v1", "/openapi/v2", "/metrics", "/nope"]))
        {
            yield return new($"anonymous GET {path}", HttpMethod.Get, path, () => null, 401, "Unauthorized", Credentials: false);
            yield return new($"bad token GET {path}", HttpMethod.Get, path, () => null, 401, "Unauthorized", Credentials: false, Token: "not-a-token");
        }

        foreach (var path in Collections)
        {
            yield return new($"anonymous POST {path}", HttpMethod.Post, path, () => ApiHttp.JsonBody("{}"), 401, "Unauthorized", Credentials: false);
            yield return new($"empty bearer {path}", HttpMethod.Get, path, () => null, 401, "Unauthorized", Credentials: false, Token: "");
            yield return new($"long token {path}", HttpMethod.Get, path, () => null, 401, "Unauthorized", Credentials: false, Token: new string('a', 5000));
        }

        // 2. Malformed bodies: 400.
        string[] malformed =
        [
            "{", "}", "{\"kind\":", "not json at all", "{\"metadata\":{\"name\":\"x\"}", "[1,2,3]", "42", "\"str\"", "null", "{\"a\":1,}",
            new string('[', 5000) + new string(']', 5000), "{\"metadata\":" + new string('{', 3000),
        ];
        foreach (var path in Collections)
        {
            for (var i = 0; i < malformed.Length; i++)
            {
                var body = malformed[i];
                yield return new($"malformed #{i} POST {path}", HttpMethod.Post, path, () => ApiHttp.JsonBody(body), 400, "BadRequest");
            }

            yield return new($"invalid utf8 POST {path}", HttpMethod.Post, path, () => ApiHttp.RawBody([0x7b, 0xff, 0xfe, 0x7d], "application/json"), 400, "BadRequest");
            yield return new($"empty body POST {path}", HttpMethod.Post, path, () => ApiHttp.RawBody([], "application/json"), 400, "BadRequest");
            yield return new($"bad yaml POST {path}", HttpMethod.Post, path, () => ApiHttp.RawBody(Encoding.UTF8.GetBytes("a: [\n b"), "application/yaml"), 400, "BadRequest");
            yield return new($"xml POST {path}", HttpMethod.Post, path, () => ApiHttp.RawBody(Encoding.UTF8.GetBytes("<x/>"), "application/xml"), 415, "UnsupportedMediaType");
        }

        // 3. Wrong kinds and versions: 400.
        yield return new("service body to pods", HttpMethod.Post, "/api/v1/namespaces/default/pods",
            () => ApiHttp.JsonBody("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"}}"""), 400, "BadRequest");
        yield return new("apps/v1 body to core", HttpMethod.Post, "/api/v1/namespaces/default/configmaps",
            () => ApiHttp.JsonBody("""{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"x"}}"""), 400, "BadRequest");
        yield return new("namespace mismatch", HttpMethod.Post, "/api/v1/namespaces/default/configmaps",
            () => ApiHttp.JsonBody("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"other"}}"""), 400, "BadRequest");
        yield return new("resourceVersion on create", HttpMethod.Post, "/api/v1/namespaces/default/configmaps",
            () => ApiHttp.JsonBody("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","resourceVersion":"5"}}"""), 400, "BadRequest");

        // Fields of the wrong JSON type: 400, as kube-apiserver's decoding answers ("cannot be handled as a Pod").
        string[] wrongTypes =
        [
            """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"c","image":"i","readinessProbe":{"exec":{"command":[true]}}}]}}""",
            """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":{"name":"c","image":"i"}}}""",
            """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","labels":["a"]},"spec":{"containers":[{"name":"c","image":"i"}]}}""",
            """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"c","image":"i","env":[{"name":"A","value":3}]}]}}""",
        ];
        foreach (var body in wrongTypes)
        {
            yield return new($"wrong type #{Array.IndexOf(wrongTypes, body)} pod", HttpMethod.Post, "/api/v1/namespaces/default/pods", () => ApiHttp.JsonBody(body), 400, "BadRequest");
        }

        yield return new("replicas as a word", HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments",
            () => ApiHttp.JsonBody("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"replicas":"three","selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}"""),
            400, "BadRequest");
        yield return new("configmap data as a list", HttpMethod.Post, "/api/v1/namespaces/default/configmaps",
            () => ApiHttp.JsonBody("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":["a","b"]}"""), 400, "BadRequest");

        // 4. Invalid names and metadata: 422 Invalid.
        string[] badNames = [new string('a', 300), "UPPER", "under_score", "-lead", "trail-", "dot..dot", "sp ace", "slash/x", "", "ünï"];
        foreach (var name in badNames)
        {
            var escaped = name.Replace("\"", "\\\"", StringComparison.Ordinal);
            yield return new($"bad name '{name[..Math.Min(name.Length, 12)]}' configmap", HttpMethod.Post, "/api/v1/namespaces/default/configmaps",
                () => ApiHttp.JsonBody("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + escaped + "\"}}"), 422, "Invalid");
            yield return new($"bad name '{name[..Math.Min(name.Length, 12)]}' namespace", HttpMethod.Post, "/api/v1/namespaces",
                () => ApiHttp.JsonBody("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + escaped + "\"}}"), 422, "Invalid");
        }

        yield return new("bad label key", HttpMethod.Post, "/api/v1/namespaces/default/configmaps",
            () => ApiHttp.JsonBody("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","labels":{"a b":"c"}}}"""), 422, "Invalid");
        yield return new("bad label value", HttpMethod.Post, "/api/v1/namespaces/default/configmaps",
            () => ApiHttp.JsonBody("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":\"" + new string('v', 70) + "\"}}}"), 422, "Invalid");
        yield return new("deployment selector mismatch", HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments",
            () => ApiHttp.JsonBody("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"c"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}"""),
            422, "Invalid");
        yield return new("pod without containers", HttpMethod.Post, "/api/v1/namespaces/default/pods",
            () => ApiHttp.JsonBody("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[]}}"""), 422, "Invalid");

        // 5. Oversized bodies: 413.
        foreach (var path in Collections.Take(5))
        {
            yield return new($"4 MiB POST {path}", HttpMethod.Post, path,
                () => ApiHttp.JsonBody("{\"data\":\"" + new string('x', 4 * 1024 * 1024) + "\"}"), 413, "RequestEntityTooLarge");
        }

        // 6. Unknown resources and paths: 404.
        string[] unknown =
        [
            "/api/v2", "/api/v1/widgets", "/apis/nope", "/apis/nope/v1", "/apis/apps/v9/deployments", "/api/v1/namespaces/default/widgets",
            "/api/v1/namespaces/default/pods/x/nope", "/apis/apps/v1/namespaces/default/deployments/x/y/z", "/api/v1/namespaces/default/configmaps/missing",
            "/api/v1/namespaces/missing-ns/configmaps/x", "/api/v1/nodes/ghost", "/api/v1/namespaces/../../etc/passwd", "/random", "/api/v1/namespaces/default/nodes",
        ];
        foreach (var path in unknown)
        {
            yield return new($"404 {path}", HttpMethod.Get, path, () => null, 404, "NotFound");
        }

        yield return new("create in missing namespace", HttpMethod.Post, "/api/v1/namespaces/bt-missing/configmaps",
            () => ApiHttp.JsonBody("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}"""), 404, "NotFound");

        // 7. Wrong methods: 405.
        yield return new("PUT collection", HttpMethod.Put, "/api/v1/namespaces/default/configmaps", () => ApiHttp.JsonBody("{}"), 405, "MethodNotAllowed");
        yield return new("PATCH collection", HttpMethod.Patch, "/api/v1/namespaces/default/configmaps", () => ApiHttp.JsonBody("{}"), 405, "MethodNotAllowed");
        yield return new("POST object", HttpMethod.Post, "/api/v1/namespaces/default", () => ApiHttp.JsonBody("{}"), 405, "MethodNotAllowed");
        yield return new("DELETE /api", HttpMethod.Delete, "/api", () => null, 405, "MethodNotAllowed");
        yield return new("POST /apis", HttpMethod.Post, "/apis", () => ApiHttp.JsonBody("{}"), 405, "MethodNotAllowed");
        yield return new("PUT discovery", HttpMethod.Put, "/apis/apps/v1", () => ApiHttp.JsonBody("{}"), 405, "MethodNotAllowed");

        // 8. Bad query values: 400.
        string[] badQueries =
        [
            "labelSelector=a%3D%3Db%3D%3Dc", "labelSelector=a+in+(", "labelSelector=!", "labelSelector=%3D%3D", "fieldSelector=nope%3Dx",
            "fieldSelector=a", "resourceVersion=abc", "resourceVersion=-1", "timeoutSeconds=x", "watch=maybe", "resourceVersionMatch=Sometimes&resourceVersion=1",
            "limit=abc",
        ];
        foreach (var q in badQueries)
        {
            yield return new($"bad query {q}", HttpMethod.Get, "/api/v1/namespaces/default/configmaps?" + q, () => null, 400, "BadRequest");
        }

        yield return new("sendInitialEvents", HttpMethod.Get, "/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan",
            () => null, 422, "Invalid");

        // 9. Bad patches.
        yield return new("json patch not array", HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/bt-target",
            () => ApiHttp.JsonBody("{}", "application/json-patch+json"), 400, "BadRequest");
        yield return new("merge patch array", HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/bt-target",
            () => ApiHttp.JsonBody("[]", "application/merge-patch+json"), 400, "BadRequest");
        yield return new("patch unknown content type", HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/bt-target",
            () => ApiHttp.JsonBody("{}", "text/plain"), 415, "UnsupportedMediaType");
        yield return new("patch missing object", HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/bt-absent",
            () => ApiHttp.JsonBody("{}", "application/merge-patch+json"), 404, "NotFound");
        yield return new("json patch bad op", HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/bt-target",
            () => ApiHttp.JsonBody("""[{"op":"explode","path":"/data"}]""", "application/json-patch+json"), 422, "Invalid");
        yield return new("json patch test fails", HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/bt-target",
            () => ApiHttp.JsonBody("""[{"op":"test","path":"/data/k","value":"other"}]""", "application/json-patch+json"), 422, "Invalid");
        yield return new("stale update", HttpMethod.Put, "/api/v1/namespaces/default/configmaps/bt-target",
            () => ApiHttp.JsonBody("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bt-target","resourceVersion":"1"}}"""), 409, "Conflict");
        yield return new("duplicate create", HttpMethod.Post, "/api/v1/namespaces/default/configmaps",
            () => ApiHttp.JsonBody("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bt-target"}}"""), 409, "AlreadyExists");
        yield return new("update name mismatch", HttpMethod.Put, "/api/v1/namespaces/default/configmaps/bt-target",
            () => ApiHttp.JsonBody("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"other"}}"""), 400, "BadRequest");
        yield return new("delete bad propagation", HttpMethod.Delete, "/api/v1/namespaces/default/configmaps/bt-target?propagationPolicy=Sideways",
            () => null, 400, "BadRequest");
        yield return new("delete negative grace", HttpMethod.Delete, "/api/v1/namespaces/default/configmaps/bt-target?gracePeriodSeconds=-5",
            () => null, 400, "BadRequest");
        yield return new("delete wrong uid precondition", HttpMethod.Delete, "/api/v1/namespaces/default/configmaps/bt-target",
            () => ApiHttp.JsonBody("""{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"nope"}}"""), 409, "Conflict");
    }

    [Fact]
    public async Task EveryHostileRequestGetsTheRightStatusAndTheServerKeepsServing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = ApiHttp.Create(fx.Berth);
        using var anonymous = ApiHttp.Create(fx.Berth, withCredentials: false);
        var target = await admin.PostAsync("/api/v1/namespaces/default/configmaps",
            ApiHttp.JsonBody("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bt-target"},"data":{"k":"v"}}"""), ct);
        Assert.Equal(HttpStatusCode.Created, target.StatusCode);

        var cases = Cases().ToList();
        Assert.True(cases.Count >= 200, $"only {cases.Count} cases");
        var failures = new List<string>();
        foreach (var c in cases)
        {
            using var req = new HttpRequestMessage(c.Method, c.Path) { Content = c.Body() };
            if (c.Token is not null)
            {
                req.Headers.TryAddWithoutValidation("Authorization", $"Bearer {c.Token}");
            }

            HttpResponseMessage resp;
            try
            {
                resp = await (c.Credentials ? admin : anonymous).SendAsync(req, ct);
            }
            catch (HttpRequestException e)
            {
                failures.Add($"{c.Name}: transport error {e.Message}");
                continue;
            }

            var body = await resp.Content.ReadAsStringAsync(ct);
            var status = ApiHttp.TryJson(body);
            var reason = status?["reason"]?.GetValue<string>();
            if ((int)resp.StatusCode != c.Code || reason != c.Reason || status?["kind"]?.GetValue<string>() != "Status")
            {
                failures.Add($"{c.Name}: want {c.Code} {c.Reason}, got {(int)resp.StatusCode} {reason}: {body[..Math.Min(body.Length, 200)]}");
            }

            resp.Dispose();
        }

        var alive = await admin.GetAsync("/api/v1/namespaces/default", ct);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        var ready = await anonymous.GetAsync("/readyz", ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases answered wrongly:\n{string.Join("\n", failures)}");
    }
}
