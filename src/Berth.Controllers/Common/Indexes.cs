using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Runtime;

namespace Berth.Controllers.Common;

/// <summary>
/// Informer indexes shared by the controllers (registered by each controller's Setup; registering the same
/// index twice is harmless). Keys are exact values.
/// </summary>
public static class Indexes
{
    /// <summary><c>metadata.namespace</c>.</summary>
    public const string Namespace = "namespace";

    /// <summary>The uid of the controlling owner reference.</summary>
    public const string ControllerUid = "controller-uid";

    /// <summary>A pod's <c>spec.nodeName</c> (unassigned pods are indexed under "").</summary>
    public const string NodeName = "node";

    public static void AddNamespace(Informer<JsonObject> informer) =>
        informer.AddIndex(Namespace, o => [Meta.Namespace(o) ?? ""]);

    public static void AddControllerUid(Informer<JsonObject> informer) =>
        informer.AddIndex(ControllerUid, o => Meta.ControllerUid(o) is { } uid ? [uid] : []);

    public static void AddNodeName(Informer<JsonObject> informer) =>
        informer.AddIndex(NodeName, o => [Json.String(o, "spec", "nodeName") ?? ""]);

    /// <summary>Adds the three indexes every controller of pods uses.</summary>
    public static void AddPodIndexes(Informer<JsonObject> pods)
    {
        AddNamespace(pods);
        AddControllerUid(pods);
        AddNodeName(pods);
    }
}
