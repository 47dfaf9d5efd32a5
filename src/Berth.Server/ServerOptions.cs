namespace Berth.Server;

/// <summary>How a Berth API server is started (<c>berth up</c> / <c>berth server</c> flags).</summary>
public sealed record ServerOptions
{
    /// <summary>Where state, certificates and the kubeconfig live. Default <c>/var/lib/berth</c>.</summary>
    public string DataDir { get; init; } = "/var/lib/berth";

    /// <summary>The HTTPS port of the API. Default 6443.</summary>
    public int ApiPort { get; init; } = 6443;

    /// <summary>The address the API listens on. Default all interfaces (0.0.0.0).</summary>
    public string BindAddress { get; init; } = "0.0.0.0";

    /// <summary>The store: <c>sqlite:PATH</c> (default <c>sqlite:DATA_DIR/state.db</c>), <c>etcd:http://HOST:PORT</c> or <c>memory:</c>.</summary>
    public string? Store { get; init; }

    /// <summary>The host name clients use in the kubeconfig. Default 127.0.0.1.</summary>
    public string AdvertiseAddress { get; init; } = "127.0.0.1";

    /// <summary>Names and addresses added to the serving certificate.</summary>
    public IReadOnlyList<string> ExtraSans { get; init; } = [];

    public string StoreUri => Store ?? $"sqlite:{Path.Combine(DataDir, "state.db")}";

    public string ServerUrl => $"https://{(AdvertiseAddress.Contains(':', StringComparison.Ordinal) ? $"[{AdvertiseAddress}]" : AdvertiseAddress)}:{ApiPort}";
}
