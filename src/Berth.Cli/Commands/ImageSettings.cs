using System.ComponentModel;
using Berth.Runtime.Oci.Images;
using Spectre.Console.Cli;

namespace Berth.Cli.Commands;

/// <summary>Options every <c>berth image</c> verb takes: which node's image store to act on.</summary>
public class ImageSettings : CommandSettings
{
    [CommandOption("--data-dir <DIR>")]
    [Description("The node's data directory, as given to `berth up` (images live in DIR/images)")]
    [DefaultValue(ImageStore.DefaultDataDir)]
    public string DataDir { get; init; } = ImageStore.DefaultDataDir;
}
