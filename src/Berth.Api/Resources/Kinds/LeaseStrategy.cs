using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// Leases (coordination.k8s.io/v1), after ValidateLeaseSpec: a lease duration is positive, transitions are not
/// negative, a preferred holder needs a strategy. HOLDER shows <c>spec.holderIdentity</c> (node heartbeats,
/// leader election).
/// </summary>
public sealed class LeaseStrategy : ResourceStrategy
{
    private static readonly IReadOnlyList<TableColumn> LeaseColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Holder", "holderIdentity contains the identity of the holder of a current lease."),
        Kinds.Columns.Age,
    ];

    public override IReadOnlyList<TableColumn> Columns => LeaseColumns;

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        var spec = Json.Object(obj, "spec");
        if (Json.Long(spec, "leaseDurationSeconds") is <= 0 and var duration)
        {
            causes.Add(StatusCause.Invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"));
        }

        if (Json.Long(spec, "leaseTransitions") is < 0 and var transitions)
        {
            causes.Add(StatusCause.Invalid("spec.leaseTransitions", transitions, "must be greater than or equal to 0"));
        }

        if (Json.String(spec, "strategy") is { } strategy)
        {
            Validation.IsQualifiedName(strategy).ToList().ForEach(msg => causes.Add(StatusCause.Invalid("spec.strategy", strategy, msg)));
        }

        if (Nodes.Str(spec, "preferredHolder").Length > 0 && Nodes.Str(spec, "strategy").Length == 0)
        {
            causes.Add(StatusCause.Forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"));
        }
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Json.String(obj, "metadata", "name"), Nodes.Str(obj, "spec", "holderIdentity"), Age(obj, now)];
}
