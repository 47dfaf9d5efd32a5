using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// What the workload kinds (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job) share: selector and template
/// validation of pkg/apis/apps/validation and pkg/apis/batch/validation, rolling-update int-or-percent values,
/// status counters, and the wide-table Containers/Images cells (<c>layoutContainerCells</c>).
/// </summary>
internal static partial class Workloads
{
    public const string SelectorMismatch = "`selector` does not match template `labels`";
    public const string PercentMessage =
        "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

    [GeneratedRegex("^[0-9]+%$")]
    private static partial Regex PercentRegex();

    /// <summary>Comma-joined container names and images of a pod spec, for the wide Containers and Images columns.</summary>
    public static (string Names, string Images) ContainerCells(JsonObject? podSpec)
    {
        var containers = Nodes.Objects(podSpec?["containers"]).Select(c => c.Item).ToList();
        return (string.Join(",", containers.Select(c => Nodes.Str(c, "name"))), string.Join(",", containers.Select(c => Nodes.Str(c, "image"))));
    }

    /// <summary>
    /// <c>spec.selector</c> of apps workloads: required, a valid label selector, and not empty
    /// (<c>empty selector is invalid for {kind}</c>). Returns whether the selector parses, i.e. whether matching
    /// it against the template makes sense.
    /// </summary>
    public static bool ValidateSelector(JsonObject spec, string path, string emptyKind, List<StatusCause> causes, bool required = true)
    {
        var selector = spec["selector"];
        if (selector is null)
        {
            if (required)
            {
                causes.Add(StatusCause.Required($"{path}.selector"));
            }

            return true;
        }

        var problems = new List<StatusCause>();
        LabelSelectors.Validate(selector, $"{path}.selector", problems);
        causes.AddRange(problems);
        if (LabelSelectors.IsEmpty(selector))
        {
            causes.Add(StatusCause.Invalid($"{path}.selector", GoValue.LabelSelector(selector), $"empty selector is invalid for {emptyKind}"));
        }

        return problems.Count == 0;
    }

    /// <summary>
    /// The selector must select the template's labels. A missing selector selects nothing, so it mismatches too,
    /// which is why Kubernetes reports both "Required" and this for a Deployment without a selector.
    /// </summary>
    public static void SelectorMatchesTemplate(JsonObject spec, string path, List<StatusCause> causes)
    {
        var labels = Json.Object(spec, "template", "metadata", "labels");
        if (!LabelSelectors.Matches(spec["selector"], labels))
        {
            causes.Add(StatusCause.Invalid($"{path}.template.metadata.labels", GoValue.StringMap(labels), SelectorMismatch));
        }
    }

    /// <summary>
    /// <c>ValidatePodTemplateSpecForReplicaSet</c> (also used for Deployments and, with another kind name, DaemonSets):
    /// the template must be a valid pod template with <c>restartPolicy: Always</c> and no <c>activeDeadlineSeconds</c>.
    /// </summary>
    public static void ValidateLongRunningTemplate(JsonObject spec, string path, string kind, List<StatusCause> causes)
    {
        var template = Json.Object(spec, "template");
        PodSpecValidation.ValidateTemplate(template, $"{path}.template", causes);
        var restart = Nodes.Str(template, "spec", "restartPolicy");
        if (restart != "Always")
        {
            causes.Add(StatusCause.NotSupported($"{path}.template.spec.restartPolicy", restart, ["Always"]));
        }

        if (Nodes.Has(Json.Object(template, "spec"), "activeDeadlineSeconds"))
        {
            causes.Add(StatusCause.Forbidden($"{path}.template.spec.activeDeadlineSeconds", $"activeDeadlineSeconds in {kind} is not Supported"));
        }
    }

    /// <summary><c>ValidatePositiveIntOrPercent</c> plus <c>IsNotMoreThan100Percent</c>; returns the value as a number (percent or count).</summary>
    public static long IntOrPercent(JsonNode? value, string path, List<StatusCause> causes, bool atMost100Percent = true)
    {
        var (i, s) = Nodes.IntOrString(value);
        if (s is not null)
        {
            if (!PercentRegex().IsMatch(s))
            {
                causes.Add(StatusCause.Invalid(path, GoValue.IntOrString(value), PercentMessage));
                return 0;
            }

            var percent = long.TryParse(s[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : long.MaxValue;
            if (percent > 100 && atMost100Percent)
            {
                causes.Add(StatusCause.Invalid(path, GoValue.IntOrString(value), "must not be greater than 100%"));
            }

            return percent;
        }

        if (i is < 0 and var n)
        {
            causes.Add(StatusCause.Invalid(path, n, FieldRules.NegativeMessage));
        }

        return i ?? 0;
    }

    /// <summary>Non-negative status counters and the "cannot be greater than status.replicas" rules of the apps status validators.</summary>
    public static void ValidateReplicaCounts(JsonObject? status, IEnumerable<string> counters, IEnumerable<string> boundedByReplicas, List<StatusCause> causes)
    {
        foreach (var counter in counters)
        {
            FieldRules.NonNegative(status?[counter], $"status.{counter}", causes);
        }

        var replicas = Nodes.Int(status, "replicas");
        foreach (var counter in boundedByReplicas)
        {
            if (Nodes.Int(status, counter) is var v && v > replicas)
            {
                causes.Add(StatusCause.Invalid($"status.{counter}", v, "cannot be greater than status.replicas"));
            }
        }
    }

    /// <summary>Template defaults of <c>spec.template</c> (pod spec defaults, not the Pod-only ones).</summary>
    public static void DefaultTemplate(JsonObject obj) => PodSpecDefaults.ApplyTemplate(Json.EnsureObject(obj, "spec"));

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/> when absent (an integer field of a Go pointer type).</summary>
    public static void DefaultInt(JsonObject o, string name, long value) => Nodes.Default(o, name, value);

    /// <summary>The Containers, Images (and optionally Selector) cells of the wide output for the template at <c>spec.template</c>.</summary>
    public static object?[] WideCells(JsonObject obj, bool withSelector, JsonNode? selector = null)
    {
        var (names, images) = ContainerCells(Json.Object(obj, "spec", "template", "spec"));
        return withSelector ? [names, images, LabelSelectors.FormatOrNone(selector ?? Json.Walk(obj, "spec", "selector"))] : [names, images];
    }
}
