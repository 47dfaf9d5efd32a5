using Microsoft.AspNetCore.Http;
using Prometheus;

namespace Berth.Server.Http;

/// <summary>
/// The API server's Prometheus metrics, named as kube-apiserver names them so that existing
/// dashboards read them: <c>apiserver_request_total{verb,group,resource,subresource,code}</c>,
/// <c>apiserver_request_duration_seconds</c> (watches excluded: they are long-running by design),
/// and <c>apiserver_longrunning_requests{verb="WATCH"}</c>. Served at <c>/metrics</c> (authenticated).
/// </summary>
public static class ApiMetrics
{
    private static readonly object DescriptionKey = new();

    private static readonly Counter Requests = Metrics.CreateCounter("apiserver_request_total",
        "Counter of API requests, by verb, group, resource, subresource and HTTP code.",
        "verb", "group", "resource", "subresource", "code");

    private static readonly Histogram Duration = Metrics.CreateHistogram("apiserver_request_duration_seconds",
        "Response latency of API requests (watches excluded), by verb, group and resource.",
        new HistogramConfiguration
        {
            LabelNames = ["verb", "group", "resource"],
            Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 5, 10, 30, 60],
        });

    private static readonly Gauge LongRunning = Metrics.CreateGauge("apiserver_longrunning_requests",
        "Open long-running requests (watches, log follows, execs), by verb.", "verb");

    /// <summary>Records which resource a request addresses, for the labels.</summary>
    public static void Describe(HttpContext ctx, ApiRequest req)
    {
        ctx.Items[DescriptionKey] = req;
        if (IsLongRunning(ctx, req))
        {
            LongRunning.WithLabels(Verb(ctx, req)).Inc();
        }
    }

    public static void Observe(HttpContext ctx, long startedTimestamp)
    {
        var req = ctx.Items[DescriptionKey] as ApiRequest;
        var verb = req is null ? ctx.Request.Method : Verb(ctx, req);
        var group = req?.Type.Group ?? "";
        var resource = req?.Type.Plural ?? "discovery";
        Requests.WithLabels(verb, group, resource, req?.Subresource ?? "", ctx.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        if (req is not null && IsLongRunning(ctx, req))
        {
            LongRunning.WithLabels(verb).Dec();
            return;
        }

        Duration.WithLabels(verb, group, resource).Observe(System.Diagnostics.Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);
    }

    private static bool IsLongRunning(HttpContext ctx, ApiRequest req) =>
        ctx.Request.Query.ContainsKey("watch") || req.Subresource is "exec" or "attach" or "portforward"
        || (req.Subresource == "log" && ctx.Request.Query.ContainsKey("follow"));

    /// <summary>The Kubernetes verb of a request: LIST, WATCH, GET, POST, PUT, PATCH, DELETE, DELETECOLLECTION.</summary>
    private static string Verb(HttpContext ctx, ApiRequest req) => ctx.Request.Method switch
    {
        "GET" when ctx.Request.Query.ContainsKey("watch") => "WATCH",
        "GET" when req.IsCollection => "LIST",
        "DELETE" when req.IsCollection => "DELETECOLLECTION",
        var m => m,
    };
}
