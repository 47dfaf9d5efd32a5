using System.Formats.Tar;
using System.IO.Compression;

namespace Berth.Runtime.Oci.Tests;

/// <summary>Writes small layer tars for tests.</summary>
internal sealed class TarBuilder
{
    private readonly List<TarEntry> _entries = [];
    private readonly List<byte[]?> _data = [];

    public static readonly DateTimeOffset Mtime = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);

    public TarBuilder Dir(string name, int mode = 0x1ED, int uid = 0, int gid = 0) => Add(new PaxTarEntry(TarEntryType.Directory, name), mode, uid, gid, null);

    public TarBuilder File(string name, string content, int mode = 0x1A4, int uid = 0, int gid = 0) =>
        Add(new PaxTarEntry(TarEntryType.RegularFile, name), mode, uid, gid, System.Text.Encoding.UTF8.GetBytes(content));

    public TarBuilder Symlink(string name, string target) => Add(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target }, 0x1FF, 0, 0, null);

    public TarBuilder HardLink(string name, string target) => Add(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target }, 0x1A4, 0, 0, null);

    public TarBuilder CharDevice(string name, int major, int minor) =>
        Add(new PaxTarEntry(TarEntryType.CharacterDevice, name) { DeviceMajor = major, DeviceMinor = minor }, 0x1B6, 0, 0, null);

    public TarBuilder Fifo(string name) => Add(new PaxTarEntry(TarEntryType.Fifo, name), 0x1A4, 0, 0, null);

    private TarBuilder Add(TarEntry entry, int mode, int uid, int gid, byte[]? data)
    {
        entry.Mode = (UnixFileMode)mode;
        entry.Uid = uid;
        entry.Gid = gid;
        entry.ModificationTime = Mtime;
        _entries.Add(entry);
        _data.Add(data);
        return this;
    }

    public byte[] Build(bool gzip = false)
    {
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, leaveOpen: true))
        {
            for (var i = 0; i < _entries.Count; i++)
            {
                if (_data[i] is { } d)
                {
                    _entries[i].DataStream = new MemoryStream(d);
                }
                writer.WriteEntry(_entries[i]);
            }
        }
        if (!gzip)
        {
            return tar.ToArray();
        }
        var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(tar.ToArray());
        }
        return gz.ToArray();
    }
}
