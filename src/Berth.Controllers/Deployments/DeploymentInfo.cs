using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Common;

namespace Berth.Controllers.Deployments;

/// <summary>
/// A Deployment's spec as the controller reads it, with apps/v1 defaults for fields a client left out
/// (<c>SetDefaults_Deployment</c>: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10,
/// progressDeadlineSeconds 600), so the controller behaves the same whether or not the API server defaulted.
/// </summary>
public sealed record DeploymentInfo
{
    public const int NoDeadline = int.MaxValue;

    public required JsonObject Object { get; init; }

    public int Replicas { get; init; }

    public bool Recreate { get; init; }

    public JsonNode? MaxSurge { get; init; }

    public JsonNode? MaxUnavailable { get; init; }

    public long MinReadySeconds { get; init; }

    public long? RevisionHistoryLimit { get; init; }

    public long ProgressDeadlineSeconds { get; init; }

    public bool Paused { get; init; }

    public bool HasProgressDeadline => ProgressDeadlineSeconds != NoDeadline;

    public static DeploymentInfo From(JsonObject d)
    {
        var spec = Json.Object(d, "spec");
        var strategy = Json.Object(spec, "strategy");
        var recreate = Json.String(strategy, "type") == "Recreate";
        var rolling = Json.Object(strategy, "rollingUpdate");
        return new DeploymentInfo
        {
            Object = d,
            Replicas = (int)(Json.Long(spec, "replicas") ?? 1),
            Recreate = recreate,
            MaxSurge = rolling?["maxSurge"] ?? (recreate ? null : JsonValue.Create("25%")),
            MaxUnavailable = rolling?["maxUnavailable"] ?? (recreate ? null : JsonValue.Create("25%")),
            MinReadySeconds = Json.Long(spec, "minReadySeconds") ?? 0,
            RevisionHistoryLimit = spec is not null && spec.ContainsKey("revisionHistoryLimit") ? Json.Long(spec, "revisionHistoryLimit") : 10,
            ProgressDeadlineSeconds = Json.Long(spec, "progressDeadlineSeconds") ?? 600,
            Paused = Json.Bool(spec, "paused") == true,
        };
    }

    public string Name => Meta.Name(Object);

    public long Generation => Meta.Generation(Object);

    public JsonObject? Template => Json.Object(Object, "spec", "template");

    public JsonObject Status => Json.Object(Object, "status") ?? [];
}
