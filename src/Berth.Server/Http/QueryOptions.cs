using System.Globalization;
using Berth.Api.Client;
using Microsoft.AspNetCore.Http;

namespace Berth.Server.Http;

/// <summary>Decodes the query string of list, watch and delete requests into options, with 400s for bad values.</summary>
public static class QueryOptions
{
    public static ListOptions List(IQueryCollection q) => new()
    {
        LabelSelector = Str(q, "labelSelector"),
        FieldSelector = Str(q, "fieldSelector"),
        ResourceVersion = Str(q, "resourceVersion"),
        ResourceVersionMatch = Str(q, "resourceVersionMatch"),
        AllowWatchBookmarks = Bool(q, "allowWatchBookmarks") ?? false,
        TimeoutSeconds = (int?)Long(q, "timeoutSeconds"),
        SendInitialEvents = Bool(q, "sendInitialEvents"),
        Limit = Long(q, "limit"),
        Continue = Str(q, "continue"),
    };

    public static bool IsWatch(IQueryCollection q) => Bool(q, "watch") ?? false;

    public static bool DryRun(IQueryCollection q)
    {
        var v = Str(q, "dryRun");
        return v switch
        {
            null or "" => false,
            "All" => true,
            _ => throw ApiException.BadRequest($"dryRun: Unsupported value: \"{v}\": supported values: \"All\""),
        };
    }

    /// <summary>Delete options from the query string, overridden by a DeleteOptions body when one is sent.</summary>
    public static DeleteOptions Delete(IQueryCollection q, System.Text.Json.Nodes.JsonNode? body)
    {
        var options = new DeleteOptions
        {
            PropagationPolicy = Str(q, "propagationPolicy"),
            GracePeriodSeconds = Long(q, "gracePeriodSeconds"),
            DryRun = DryRun(q),
        };
        if (Bool(q, "orphanDependents") is { } orphanQ)
        {
            options = options with { PropagationPolicy = options.PropagationPolicy ?? (orphanQ ? "Orphan" : "Background") };
        }

        if (body is System.Text.Json.Nodes.JsonObject o)
        {
            var kind = Berth.Api.Resources.Json.String(o, "kind");
            if (kind is not (null or "DeleteOptions"))
            {
                throw ApiException.BadRequest($"a DELETE body must be DeleteOptions, not {kind}");
            }

            options = options with
            {
                PropagationPolicy = Berth.Api.Resources.Json.String(o, "propagationPolicy") ?? options.PropagationPolicy,
                GracePeriodSeconds = Berth.Api.Resources.Json.Long(o, "gracePeriodSeconds") ?? options.GracePeriodSeconds,
                PreconditionUid = Berth.Api.Resources.Json.String(o, "preconditions", "uid"),
                PreconditionResourceVersion = Berth.Api.Resources.Json.String(o, "preconditions", "resourceVersion"),
                DryRun = options.DryRun || (Berth.Api.Resources.Json.Array(o, "dryRun")?.Count ?? 0) > 0,
            };
            if (Berth.Api.Resources.Json.Bool(o, "orphanDependents") is { } orphan && options.PropagationPolicy is null)
            {
                options = options with { PropagationPolicy = orphan ? "Orphan" : "Background" };
            }
        }

        return options;
    }

    private static string? Str(IQueryCollection q, string name) => q.TryGetValue(name, out var v) ? v.ToString() : null;

    private static bool? Bool(IQueryCollection q, string name)
    {
        var v = Str(q, name);
        return v switch
        {
            null => null,
            "" or "true" or "1" or "True" => true,
            "false" or "0" or "False" => false,
            _ => throw ApiException.BadRequest($"{name}: invalid boolean \"{v}\""),
        };
    }

    private static long? Long(IQueryCollection q, string name)
    {
        var v = Str(q, name);
        if (string.IsNullOrEmpty(v))
        {
            return null;
        }

        return long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
            ? l
            : throw ApiException.BadRequest($"{name}: invalid integer \"{v}\"");
    }
}
