using System.Text.Json.Nodes;

namespace Berth.Server;

/// <summary>
/// What <c>/version</c> answers. Berth reports the Kubernetes API level it follows (1.32, the
/// kubectl preinstalled here) so clients pick compatible behaviour; gitVersion names Berth.
/// </summary>
public static class VersionInfo
{
    public const string Major = "1";
    public const string Minor = "32";
    public const string GitVersion = "v1.32.0-berth.0.1.0";

    public static JsonObject Json() => new()
    {
        ["major"] = Major,
        ["minor"] = Minor,
        ["gitVersion"] = GitVersion,
        ["gitCommit"] = ThisAssembly(),
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-11-26T00:00:00Z",
        ["goVersion"] = $"dotnet{Environment.Version}",
        ["compiler"] = "roslyn",
        ["platform"] = $"linux/{(System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "amd64")}",
    };

    private static string ThisAssembly() =>
        typeof(VersionInfo).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";
}
