using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Server.Core;
using Berth.Store;

namespace Berth.Server.Http;

/// <summary>
/// List chunking as kube-apiserver does it (<c>limit</c> and <c>continue</c>, see
/// https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks):
/// every page of one list is read at the revision of the first page, so the pages together are one
/// consistent snapshot; the <c>continue</c> token carries that revision and the key of the last item
/// returned (unpadded base64url of <c>{"v":"meta.k8s.io/v1","rv":N,"start":"KEY\u0000"}</c>, the shape Kubernetes
/// uses; clients treat it as opaque). A token whose revision has been compacted answers 410 Expired.
/// <c>remainingItemCount</c> is set only when no selector filters the list, as Kubernetes does.
/// </summary>
public sealed class ListPager
{
    private const string TokenVersion = "meta.k8s.io/v1";
    private readonly long? _limit;
    private readonly string? _startAfter;

    private ListPager(long? limit, long continueRevision, string? startAfter)
    {
        _limit = limit;
        ContinueRevision = continueRevision;
        _startAfter = startAfter;
    }

    /// <summary>The revision every page of this list is read at (0 on a first page: the current one).</summary>
    public long ContinueRevision { get; }

    /// <summary>Validates <c>limit</c> and <c>continue</c> (400 for a bad value or a continue token with a resourceVersion).</summary>
    public static ListPager From(ListOptions options)
    {
        long? limit = options.Limit is > 0 ? options.Limit : null;
        if (options.Limit is < 0)
        {
            throw ApiException.BadRequest($"limit: Invalid value: {options.Limit}: must be greater than or equal to 0");
        }

        if (string.IsNullOrEmpty(options.Continue))
        {
            return new ListPager(limit, 0, null);
        }

        if (!string.IsNullOrEmpty(options.ResourceVersion) && options.ResourceVersion != "0")
        {
            throw ApiException.BadRequest("specifying resource version is not allowed when using continue");
        }

        var (revision, start) = Decode(options.Continue);
        return new ListPager(limit, revision, start);
    }

    /// <summary>The options to read the snapshot with: the token's revision, exactly, when continuing.</summary>
    public ListOptions ReadOptions(ListOptions options) =>
        ContinueRevision > 0 ? options with { ResourceVersion = ContinueRevision.ToString(CultureInfo.InvariantCulture), ResourceVersionMatch = "Exact" } : options;

    /// <summary>An expired continue token's 410, with the message kube-apiserver gives.</summary>
    public static ApiException Expired() => ApiException.Expired(
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");

    /// <summary>
    /// Cuts one page out of a snapshot: the entries after the token's key that <paramref name="matches"/>,
    /// at most <c>limit</c> of them, and the continue token when more matching entries follow.
    /// </summary>
    public Page Cut(StoreList list, string prefix, bool filtered, Func<StoreEntry, bool> matches)
    {
        var entries = list.Entries;
        var first = 0;
        if (_startAfter is not null)
        {
            var startKey = prefix + _startAfter;
            while (first < entries.Count && string.CompareOrdinal(entries[first].Key, startKey) <= 0)
            {
                first++;
            }
        }

        var page = new List<StoreEntry>();
        var i = first;
        for (; i < entries.Count; i++)
        {
            if (_limit is { } limit && page.Count >= limit)
            {
                break;
            }

            if (matches(entries[i]))
            {
                page.Add(entries[i]);
            }
        }

        // More pages only when a further entry would be returned (with selectors, look for one).
        var more = false;
        for (var j = i; j < entries.Count && _limit is not null; j++)
        {
            if (!filtered || matches(entries[j]))
            {
                more = true;
                break;
            }
        }

        if (!more)
        {
            return new Page(page, list.Revision, null, null);
        }

        var token = Encode(list.Revision, page[^1].Key[prefix.Length..]);
        return new Page(page, list.Revision, token, filtered ? null : entries.Count - i);
    }

    private static string Encode(long revision, string startAfter)
    {
        var json = Encoding.UTF8.GetBytes(new JsonObject { ["v"] = TokenVersion, ["rv"] = revision, ["start"] = startAfter + "\u0000" }.ToJsonString());
        return Base64Url.EncodeToString(json);
    }

    private static (long Revision, string StartAfter) Decode(string token)
    {
        try
        {
            var bytes = Base64Url.DecodeFromChars(token);
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            if (root.GetProperty("v").GetString() != TokenVersion)
            {
                throw new FormatException("unknown version");
            }

            var revision = root.GetProperty("rv").GetInt64();
            var start = root.GetProperty("start").GetString() ?? "";
            if (revision <= 0 || start.Length == 0)
            {
                throw new FormatException("no revision or key");
            }

            return (revision, start.TrimEnd('\u0000'));
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw ApiException.BadRequest($"continue key is not valid: {e.Message}");
        }
    }

    /// <summary>One page: its entries, the snapshot revision, the token for the next page, and how many entries follow (unfiltered lists only).</summary>
    public sealed record Page(IReadOnlyList<StoreEntry> Entries, long Revision, string? Continue, long? RemainingItemCount);
}
