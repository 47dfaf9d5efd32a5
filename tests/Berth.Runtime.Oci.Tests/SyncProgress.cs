using Berth.Runtime.Oci.Registry;

namespace Berth.Runtime.Oci.Tests;

/// <summary>Collects progress reports synchronously (Progress&lt;T&gt; would post them later).</summary>
internal sealed class SyncProgress(List<TransferProgress> reports) : IProgress<TransferProgress>
{
    public void Report(TransferProgress value)
    {
        lock (reports)
        {
            reports.Add(value);
        }
    }
}
