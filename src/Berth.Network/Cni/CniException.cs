namespace Berth.Network.Cni;

/// <summary>
/// A CNI plugin failed. <see cref="Code"/>, <see cref="Msg"/> and <see cref="Details"/> are the fields of the
/// error result the plugin printed (CNI spec, "Error": codes 1–99 are the spec's, e.g. 7 invalid network config,
/// 11 try again later), or code 0 when the plugin printed no parsable error.
/// </summary>
public sealed class CniException(string plugin, string command, int code, string msg, string? details)
    : Exception($"CNI plugin '{plugin}' {command} failed (code {code}): {msg}{(string.IsNullOrEmpty(details) ? "" : $" ({details})")}")
{
    public string Plugin { get; } = plugin;

    public string Command { get; } = command;

    public int Code { get; } = code;

    public string Msg { get; } = msg;

    public string? Details { get; } = details;
}
