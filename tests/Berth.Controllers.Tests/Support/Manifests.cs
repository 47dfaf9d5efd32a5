using System.Text.Json.Nodes;
using Berth.Server.Http;

namespace Berth.Controllers.Tests.Support;

/// <summary>Reads multi-document YAML manifests (as <c>kubectl apply -f</c> would send them) from the repository.</summary>
public static class Manifests
{
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Berth.slnx")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (Berth.slnx) above " + AppContext.BaseDirectory);
        }
    }

    public static List<JsonObject> Load(string relativePath)
    {
        var text = File.ReadAllText(Path.Combine(RepoRoot, relativePath));
        var docs = System.Text.RegularExpressions.Regex.Split(text, @"^---\s*$", System.Text.RegularExpressions.RegexOptions.Multiline);
        return [.. docs.Where(d => !string.IsNullOrWhiteSpace(d)).Select(d => YamlJson.Parse(d)).OfType<JsonObject>()];
    }
}
