using System.Net.Sockets;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// The receiving end of an OCI runtime's <c>--console-socket</c>: a unix stream socket on which runc/crun
/// send the master end of the container's pseudo-terminal as SCM_RIGHTS ancillary data
/// (runtime-spec runtime.md "console socket" and runc's docs/terminals.md).
/// </summary>
internal sealed class ConsoleSocket : IDisposable
{
    private const int MsgCmsgCloexec = 0x40000000;
    private readonly Socket _listener;

    public ConsoleSocket(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.Delete(path);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(1);
    }

    public string Path { get; }

    /// <summary>Accepts the runtime's connection and returns the received pty master descriptor (close-on-exec; the caller owns it).</summary>
    public async Task<int> ReceiveMasterAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        Socket connection;
        try
        {
            connection = await _listener.AcceptAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the runtime did not connect to console socket {Path} within {timeout}");
        }

        using (connection)
        {
            return Receive((int)connection.Handle);
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
        }
    }

    private static unsafe int Receive(int fd)
    {
        var data = stackalloc byte[4096];
        var control = stackalloc byte[64];
        var iov = new Native.IoVec { Base = data, Length = 4096 };
        var msg = new Native.MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = 64 };
        nint n;
        do
        {
            n = Native.recvmsg(fd, &msg, MsgCmsgCloexec);
        }
        while (n < 0 && Native.Errno == Native.EIntr);

        if (n < 0)
        {
            throw new IOException($"recvmsg on console socket: {Native.ErrorText(Native.Errno)}");
        }

        if (msg.ControlLength < (nuint)sizeof(Native.CmsgHdr))
        {
            throw new IOException("the runtime sent no file descriptor on the console socket");
        }

        var header = (Native.CmsgHdr*)control;
        if (header->Level != Native.SolSocket || header->Type != Native.ScmRights)
        {
            throw new IOException($"unexpected control message {header->Level}/{header->Type} on the console socket");
        }

        return *(int*)(control + sizeof(Native.CmsgHdr));
    }
}
