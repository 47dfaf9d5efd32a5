using System.ComponentModel;
using Berth.Runtime.Oci.Registry;
using Spectre.Console.Cli;

namespace Berth.Cli.Commands;

/// <summary>Options of the verbs that talk to a registry (pull, push).</summary>
public class ImageRegistrySettings : ImageSettings
{
    [CommandOption("--insecure-registry <HOST:PORT>")]
    [Description("Allow plain HTTP (and unverified TLS) for this registry; repeatable. Also settable in DATA_DIR/registries.json")]
    public string[] InsecureRegistries { get; init; } = [];

    [CommandOption("--ca-file <PEM>")]
    [Description("Trust this CA (PEM) for the registry's certificate, in addition to the system's")]
    public string? CaFile { get; init; }

    [CommandOption("-u|--username <NAME>")]
    [Description("Registry user (basic auth, or for the bearer token server)")]
    public string? Username { get; init; }

    [CommandOption("-p|--password <PASSWORD>")]
    [Description("Registry password; prefer --password-stdin")]
    public string? Password { get; init; }

    [CommandOption("--password-stdin")]
    [Description("Read the password from standard input")]
    public bool PasswordStdin { get; init; }

    /// <summary>DATA_DIR/registries.json plus these flags, for a command that talks to <paramref name="registryHost"/>.</summary>
    public RegistryOptions Options(string registryHost)
    {
        var password = Password;
        if (PasswordStdin)
        {
            password = Console.In.ReadToEnd().TrimEnd('\r', '\n');
        }
        return RegistryOptions.Load(DataDir).With(InsecureRegistries, registryHost, CaFile, Username, password);
    }
}
