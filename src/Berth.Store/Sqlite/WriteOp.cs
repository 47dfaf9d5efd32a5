namespace Berth.Store.Sqlite;

/// <summary>
/// One write queued for the <see cref="SqliteWriter"/>.
/// State: Queued → Claimed (the writer took it; the outcome is final and will be reported even if the
/// caller's token fires) or Queued → Cancelled (the token fired first; the writer skips it).
/// </summary>
internal sealed class WriteOp(WriteKind kind, string key, byte[] value, long revision)
{
    private const int Queued = 0;
    private const int Claimed = 1;
    private const int Cancelled = 2;
    private int _state;

    public WriteKind Kind { get; } = kind;

    public string Key { get; } = key;

    public byte[] Value { get; } = value;

    /// <summary>The expected modification revision (Update, Delete; 0 = any for Delete) or the compaction revision (Compact).</summary>
    public long Revision { get; } = revision;

    public TaskCompletionSource<WriteResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The outcome decided inside a batch, reported once the batch commits.</summary>
    public WriteResult Result { get; set; }

    /// <summary>A semantic failure decided inside a batch (conflict, exists, not found); reported once the batch commits.</summary>
    public Exception? Error { get; set; }

    public bool TryClaim() => Interlocked.CompareExchange(ref _state, Claimed, Queued) == Queued;

    public void Cancel(CancellationToken token)
    {
        if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
        {
            Completion.TrySetCanceled(token);
        }
    }

    public void Report()
    {
        if (Error is not null)
        {
            Completion.TrySetException(Error);
        }
        else
        {
            Completion.TrySetResult(Result);
        }
    }
}
