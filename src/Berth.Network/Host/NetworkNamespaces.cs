namespace Berth.Network.Host;

/// <summary>
/// Named network namespaces as iproute2 keeps them: a bind mount of the namespace at
/// <c>/var/run/netns/NAME</c>, made by <c>ip netns add</c> and removed by <c>ip netns delete</c>.
/// A named namespace outlives every process in it until it is deleted, which is what lets
/// pods keep their network across agent restarts.
/// </summary>
public static class NetworkNamespaces
{
    public const string Directory = "/var/run/netns";

    public static string PathOf(string name) => System.IO.Path.Combine(Directory, name);

    public static bool Exists(string name) => File.Exists(PathOf(name));

    /// <summary>Creates <paramref name="name"/>; succeeds when it already exists.</summary>
    public static async Task AddAsync(string name, CancellationToken cancellationToken = default)
    {
        if (Exists(name))
        {
            return;
        }

        var r = await HostCommand.RunAsync("ip", ["netns", "add", name], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!r.Succeeded && !Exists(name))
        {
            throw new HostCommandException("ip", ["netns", "add", name], r);
        }
    }

    /// <summary>Deletes <paramref name="name"/>; succeeds when it does not exist.</summary>
    public static async Task DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!Exists(name))
        {
            return;
        }

        var r = await HostCommand.RunAsync("ip", ["netns", "delete", name], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!r.Succeeded && Exists(name))
        {
            throw new HostCommandException("ip", ["netns", "delete", name], r);
        }
    }

    /// <summary>The names under <see cref="Directory"/> that start with <paramref name="prefix"/>.</summary>
    public static IReadOnlyList<string> List(string prefix)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        return System.IO.Directory.EnumerateFiles(Directory)
            .Select(System.IO.Path.GetFileName)
            .Where(n => n is not null && n.StartsWith(prefix, StringComparison.Ordinal))
            .Select(n => n!)
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
