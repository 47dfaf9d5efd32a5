using Berth.Store.Etcd;
using Berth.Store.Memory;
using Berth.Store.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Store;

/// <summary>
/// Picks a backend from one configuration string (the server's <c>--store</c> setting).
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term><c>sqlite:PATH</c></term><description>
/// <see cref="SqliteStore"/> on the file PATH; when PATH is an existing directory or ends in <c>/</c>,
/// the file <c>PATH/state.db</c>. Example: <c>sqlite:/var/lib/berth/state.db</c>, <c>sqlite:/var/lib/berth/</c>.</description></item>
/// <item><term><c>etcd:URL[,URL...][?prefix=P]</c></term><description>
/// <see cref="EtcdStore"/> on the listed client URLs, keys under P (default <c>/berth</c>; <c>prefix=</c> for none).
/// Example: <c>etcd:http://127.0.0.1:2379?prefix=/berth</c>.</description></item>
/// <item><term><c>memory:</c></term><description><see cref="MemoryStore"/>: nothing survives the process; for tests.</description></item>
/// </list>
/// The store comes back unstarted: call <see cref="IStore.StartAsync"/>.
/// </remarks>
public static class StoreFactory
{
    public static IStore Create(string spec, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        loggerFactory ??= NullLoggerFactory.Instance;
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon < 0 ? spec : spec[..colon];
        var rest = colon < 0 ? string.Empty : spec[(colon + 1)..];
        switch (scheme)
        {
            case "memory":
                return new MemoryStore();

            case "sqlite":
                return new SqliteStore(new SqliteStoreOptions { Path = SqlitePath(rest, spec) }, loggerFactory.CreateLogger<SqliteStore>());

            case "etcd":
                return new EtcdStore(EtcdOptions(rest, spec), loggerFactory.CreateLogger<EtcdStore>(), timeProvider);

            default:
                throw new ArgumentException($"unknown store '{spec}': expected sqlite:PATH, etcd:URL[,URL...][?prefix=P] or memory:", nameof(spec));
        }
    }

    /// <summary>The database file a <c>sqlite:</c> spec names.</summary>
    public static string SqlitePath(string path, string spec)
    {
        if (path.Length == 0)
        {
            throw new ArgumentException($"store '{spec}' names no file: sqlite:PATH", nameof(spec));
        }

        return path.EndsWith('/') || Directory.Exists(path) ? Path.Combine(path, "state.db") : path;
    }

    /// <summary>The options an <c>etcd:</c> spec names.</summary>
    public static EtcdStoreOptions EtcdOptions(string rest, string spec)
    {
        var query = rest.IndexOf('?', StringComparison.Ordinal);
        var endpoints = (query < 0 ? rest : rest[..query]).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (endpoints.Length == 0)
        {
            throw new ArgumentException($"store '{spec}' names no etcd endpoint: etcd:http://HOST:PORT", nameof(spec));
        }

        var uris = endpoints.Select(e => Uri.TryCreate(e, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"
            ? u
            : throw new ArgumentException($"store '{spec}': '{e}' is not an http:// or https:// URL", nameof(spec))).ToList();
        var prefix = "/berth";
        if (query >= 0)
        {
            foreach (var pair in rest[(query + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var name = eq < 0 ? pair : pair[..eq];
                var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
                prefix = name == "prefix"
                    ? value
                    : throw new ArgumentException($"store '{spec}': unknown option '{name}' (known: prefix)", nameof(spec));
            }
        }

        return new EtcdStoreOptions { Endpoints = uris, Prefix = prefix };
    }
}
