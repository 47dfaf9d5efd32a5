using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// Events (core/v1), after pkg/registry/core/event/strategy.go and <c>legacyValidateEvent</c>: names are free
/// path segments; a legacy event (no <c>eventTime</c>) must sit in its involved object's namespace; a new-style
/// event (with <c>eventTime</c>) needs reportingComponent, reportingInstance, action and reason within their
/// length limits. The table is the wide one of kubectl: Last Seen, Type, Reason, Object, Subobject, Source,
/// Message, First Seen, Count, Name. Field selectors cover involvedObject.*, reason, reportingComponent,
/// source and type (what <c>kubectl describe</c> and <c>kubectl events</c> use).
/// </summary>
public sealed class EventStrategy : ResourceStrategy
{
    private static readonly IReadOnlyList<TableColumn> EventColumns =
    [
        Kinds.Columns.Text("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
        Kinds.Columns.Text("Type", "Type of this event (Normal, Warning), new types could be added in the future"),
        Kinds.Columns.Text("Reason", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
        Kinds.Columns.Text("Object", "The object that this event is about."),
        Kinds.Columns.Text("Subobject", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].", 1),
        Kinds.Columns.Text("Source", "The component reporting this event. Should be a short machine understandable string.", 1),
        Kinds.Columns.Text("Message", "A human-readable description of the status of this operation."),
        Kinds.Columns.Text("First Seen", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", 1),
        Kinds.Columns.Text("Count", "The number of times this event has occurred.", 1),
        new("Name", "string", Kinds.Columns.Name.Description, 1, "name"),
    ];

    public override IReadOnlyList<TableColumn> Columns => EventColumns;

    protected override NameRule NameRule => NameRule.PathSegment;

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        var ns = Nodes.Str(obj, "metadata", "namespace");
        var involvedNs = Nodes.Str(obj, "involvedObject", "namespace");
        if (Nodes.Str(obj, "eventTime").Length == 0)
        {
            var mismatch = involvedNs.Length == 0 ? ns is not ("" or "default") : ns != involvedNs;
            if (mismatch)
            {
                causes.Add(StatusCause.Invalid("involvedObject.namespace", involvedNs, "does not match event.namespace"));
            }
        }
        else
        {
            if (involvedNs.Length == 0 && ns is not ("default" or "kube-system"))
            {
                causes.Add(StatusCause.Invalid("involvedObject.namespace", involvedNs, "does not match event.namespace"));
            }

            var controller = Nodes.Str(obj, "reportingComponent");
            if (controller.Length == 0)
            {
                causes.Add(StatusCause.Required("reportingComponent"));
            }

            Validation.IsQualifiedName(controller).ToList().ForEach(msg => causes.Add(StatusCause.Invalid("reportingComponent", controller, msg)));
            RequiredWithin(obj, "reportingInstance", 128, causes);
            RequiredWithin(obj, "action", 128, causes);
            RequiredWithin(obj, "reason", 128, causes);
            if (Nodes.Str(obj, "message").Length > 1024)
            {
                causes.Add(StatusCause.Invalid("message", "", "can have at most 1024 characters"));
            }

            if (Nodes.Str(obj, "type") is { Length: > 0 } type && type is not ("Normal" or "Warning"))
            {
                causes.Add(StatusCause.Invalid("type", "", $"has invalid value: {type}"));
            }
        }

        Validation.IsDns1123Subdomain(ns).ToList().ForEach(msg => causes.Add(StatusCause.Invalid("namespace", ns, msg)));
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var first = Nodes.Time(obj, "firstTimestamp") is { } f ? Nodes.Since(f, now) : Nodes.Since(Nodes.Time(obj, "eventTime"), now);
        var last = Nodes.Time(obj, "lastTimestamp") is { } l ? Nodes.Since(l, now) : first;
        var count = Nodes.Int(obj, "count");
        if (Json.Object(obj, "series") is { } series)
        {
            last = Nodes.Since(Nodes.Time(series, "lastObservedTime"), now);
            count = Nodes.Int(series, "count");
        }
        else if (count == 0)
        {
            count = 1;
        }

        var kind = Nodes.Str(obj, "involvedObject", "kind").ToLowerInvariant();
        var name = Nodes.Str(obj, "involvedObject", "name");
        var component = Nodes.Str(obj, "source", "component") is { Length: > 0 } c ? c : Nodes.Str(obj, "reportingComponent");
        var instance = Nodes.Str(obj, "source", "host") is { Length: > 0 } h ? h : Nodes.Str(obj, "reportingInstance");
        return
        [
            last,
            Nodes.Str(obj, "type"),
            Nodes.Str(obj, "reason"),
            name.Length > 0 ? $"{kind}/{name}" : kind,
            Nodes.Str(obj, "involvedObject", "fieldPath"),
            instance.Length == 0 ? component : $"{component}, {instance}",
            Nodes.Str(obj, "message").Trim(),
            first,
            count,
            Json.String(obj, "metadata", "name"),
        ];
    }

    /// <summary>The fields of <c>ToSelectableFields</c> in pkg/registry/core/event/strategy.go.</summary>
    public override bool TryGetField(FieldSource obj, string field, out string? value)
    {
        value = field switch
        {
            "involvedObject.kind" or "involvedObject.namespace" or "involvedObject.name" or "involvedObject.uid" or
                "involvedObject.apiVersion" or "involvedObject.resourceVersion" or "involvedObject.fieldPath" =>
                obj.Str("involvedObject", field["involvedObject.".Length..]),
            "reason" => obj.Str("reason"),
            "reportingComponent" => obj.Str("reportingComponent"),
            "source" => obj.Str("source", "component") is { Length: > 0 } c ? c : obj.Str("reportingComponent"),
            "type" => obj.Str("type"),
            _ => null,
        };
        return value is not null || base.TryGetField(obj, field, out value);
    }

    private static void RequiredWithin(JsonObject obj, string field, int limit, List<StatusCause> causes)
    {
        var value = Nodes.Str(obj, field);
        if (value.Length == 0)
        {
            causes.Add(StatusCause.Required(field));
        }
        else if (value.Length > limit)
        {
            causes.Add(StatusCause.Invalid(field, "", $"can have at most {limit} characters"));
        }
    }
}
