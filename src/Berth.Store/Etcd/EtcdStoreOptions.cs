namespace Berth.Store.Etcd;

/// <summary>Settings of an <see cref="EtcdStore"/>.</summary>
public sealed class EtcdStoreOptions
{
    /// <summary>Client URLs of the etcd members (<c>http://</c>, or <c>https://</c> with a certificate the system trusts); required, at least one.</summary>
    public required IReadOnlyList<Uri> Endpoints { get; init; }

    /// <summary>
    /// Prepended to every key, so that one etcd can hold several Berth clusters (or sit beside a
    /// Kubernetes that uses <c>/registry</c>). Two stores on one etcd must not have prefixes where one
    /// starts with the other. May be empty.
    /// </summary>
    public string Prefix { get; init; } = "/berth";

    /// <summary>How long <see cref="EtcdStore.StartAsync"/> keeps trying to reach etcd.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Keys per range request; a list is paged at one revision, as kube-apiserver pages with <c>limit</c>.</summary>
    public int ListPageSize { get; init; } = 1000;

    /// <summary>Times a broken watch stream is re-opened (from the last delivered revision) before the watch fails.</summary>
    public int WatchReconnectAttempts { get; init; } = 10;
}
