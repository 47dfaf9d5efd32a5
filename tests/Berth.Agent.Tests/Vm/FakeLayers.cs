using Berth.Agent.Vm;

namespace Berth.Agent.Tests.Vm;

/// <summary>Unpacked layers in memory: host paths like <c>/L0/boot/vmlinuz</c> mapped to what lstat would say.</summary>
internal sealed class FakeLayers : IImageFileSystem
{
    private readonly Dictionary<string, ImageEntryKind> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _links = new(StringComparer.Ordinal);
    private readonly HashSet<string> _opaque = new(StringComparer.Ordinal);

    public FakeLayers File(string path) => Add(path, ImageEntryKind.File);

    public FakeLayers Whiteout(string path) => Add(path, ImageEntryKind.Whiteout);

    public FakeLayers Dir(string path, bool opaque = false)
    {
        Add(path, ImageEntryKind.Directory);
        if (opaque)
        {
            _opaque.Add(path);
        }

        return this;
    }

    public FakeLayers Link(string path, string target)
    {
        _links[path] = target;
        return Add(path, ImageEntryKind.Symlink);
    }

    public ImageEntryKind KindOf(string hostPath) => _entries.GetValueOrDefault(hostPath, ImageEntryKind.Missing);

    public bool IsOpaque(string hostDirectory) => _opaque.Contains(hostDirectory);

    public string? ReadLink(string hostPath) => _links.GetValueOrDefault(hostPath);

    public IEnumerable<string> List(string hostDirectory) =>
        _entries.Keys.Where(k => Path.GetDirectoryName(k) == hostDirectory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    /// <summary>Adds the entry and its parent directories (a layer only has what it changed, but parents always exist in it).</summary>
    private FakeLayers Add(string path, ImageEntryKind kind)
    {
        _entries[path] = kind;
        for (var dir = Path.GetDirectoryName(path); dir is not null && dir.Count(c => c == '/') > 1; dir = Path.GetDirectoryName(dir))
        {
            _entries.TryAdd(dir, ImageEntryKind.Directory);
        }

        return this;
    }
}
