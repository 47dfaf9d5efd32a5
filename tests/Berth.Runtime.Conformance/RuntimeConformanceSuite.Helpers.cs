using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Berth.Runtime.Oci.Runtime;
using Xunit;

namespace Berth.Runtime.Conformance;

public abstract partial class RuntimeConformanceSuite
{
    /// <summary>A container spec with a unique id, the busybox layer, a log under the data dir and a cgroup under the fixture's root.</summary>
    protected ContainerSpec Spec(IReadOnlyList<string> args, Func<ContainerSpec, ContainerSpec>? adjust = null)
    {
        var id = $"bt-{Fixture.RuntimeName}-{Guid.NewGuid().ToString("N")[..10]}";
        var spec = new ContainerSpec
        {
            Id = id,
            Name = $"default_web-0_{id}",
            SandboxId = "bt-sandbox",
            LowerDirs = [Fixture.LowerDir],
            Process = new ProcessSpec { Args = args },
            LogPath = Path.Combine(Fixture.DataDir, "logs", id, "0.log"),
            Resources = new ResourceSpec { CgroupParent = $"{Fixture.CgroupRoot}/pod-{Guid.NewGuid().ToString("N")[..8]}" },
            Annotations = new Dictionary<string, string> { ["io.kubernetes.container.name"] = "web" },
        };
        return adjust is null ? spec : adjust(spec);
    }

    protected async Task<ContainerHandle> CreateAsync(ContainerSpec spec)
    {
        await Runtime.CreateAsync(spec, Ct);
        return new ContainerHandle(Runtime, spec.Id);
    }

    protected async Task<ContainerHandle> RunToExitAsync(ContainerSpec spec)
    {
        var handle = await CreateAsync(spec);
        await Runtime.StartAsync(spec.Id, Ct);
        await WaitForExitAsync(spec.Id);
        return handle;
    }

    protected async Task<ContainerStatus> WaitForExitAsync(string id, TimeSpan? timeout = null)
    {
        ContainerStatus? status = null;
        await WaitUntilAsync(
            async () => (status = await Runtime.StatusAsync(id, Ct))?.State == ContainerState.Exited,
            timeout ?? TimeSpan.FromSeconds(30));
        return status!;
    }

    protected Task WaitForLogAsync(ContainerSpec spec, string text) =>
        WaitUntilAsync(async () => (await LogTextAsync(spec)).Contains(text, StringComparison.Ordinal), TimeSpan.FromSeconds(20));

    /// <summary>The container's output: its log's messages joined by newlines.</summary>
    protected static async Task<string> LogTextAsync(ContainerSpec spec)
    {
        var sb = new StringBuilder();
        await foreach (var e in CriLogReader.ReadAsync(spec.LogPath, new LogReadOptions(), null, Ct))
        {
            sb.Append(e.Text).Append('\n');
        }

        return sb.ToString();
    }

    protected static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, bool throwOnTimeout = true) =>
        WaitUntilAsync(() => Task.FromResult(condition()), timeout, throwOnTimeout);

    protected static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, bool throwOnTimeout = true)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                if (throwOnTimeout)
                {
                    throw new TimeoutException($"condition not met within {timeout}");
                }

                return;
            }

            await Task.Delay(20, Ct);
        }
    }

    protected static ulong Mask(IEnumerable<string> caps) =>
        caps.Aggregate(0UL, (m, c) => m | (1UL << Capabilities.Known.ToList().IndexOf(c)));

    protected static ulong CapEff(string log)
    {
        var m = Regex.Match(log, "CapEff:\\s*([0-9a-f]+)");
        Assert.True(m.Success, $"no CapEff in: {log}");
        return ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    protected static string IpcOf(string log) => Regex.Match(log, "ipc=(ipc:\\[[0-9]+\\])").Groups[1].Value;

    [GeneratedRegex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]+(Z|[+-][0-9]{2}:[0-9]{2}) (stdout|stderr) [PF] .*$")]
    protected static partial Regex CriLine();

    /// <summary>Deletes its container when the test ends, whatever happened.</summary>
    protected sealed class ContainerHandle(OciRuntime runtime, string id) : IAsyncDisposable
    {
        public string Id => id;

        public async ValueTask DisposeAsync() => await runtime.DeleteAsync(id, CancellationToken.None);
    }

    /// <summary>A write-only stream whose content can be read while it is written (exec output).</summary>
    protected sealed class SyncBuffer : Stream
    {
        private readonly MemoryStream _inner = new();

        public string Text
        {
            get
            {
                lock (_inner)
                {
                    return Encoding.UTF8.GetString(_inner.ToArray());
                }
            }
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (_inner)
            {
                _inner.Write(buffer, offset, count);
            }
        }
    }

    /// <summary>A read-only stream fed by <see cref="Write(string)"/> (exec stdin); never ends by itself.</summary>
    protected sealed class ChannelStream : Stream
    {
        private readonly System.Threading.Channels.Channel<byte[]> _chunks = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        private byte[] _current = [];
        private int _offset;

        public void Write(string text) => _chunks.Writer.TryWrite(Encoding.UTF8.GetBytes(text));

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_offset >= _current.Length)
            {
                _current = await _chunks.Reader.ReadAsync(cancellationToken);
                _offset = 0;
            }

            var n = Math.Min(buffer.Length, _current.Length - _offset);
            _current.AsMemory(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
