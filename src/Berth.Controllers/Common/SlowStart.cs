namespace Berth.Controllers.Common;

/// <summary>
/// kube's <c>slowStartBatch</c>: runs <c>count</c> calls in batches of 1, 2, 4, … in parallel, stopping after the
/// first batch with an error, so a quota or validation problem costs one failed call, not hundreds.
/// </summary>
public static class SlowStart
{
    /// <summary>Returns how many calls succeeded, how many were made, and the first error, if any.</summary>
    public static async Task<(int Succeeded, int Attempted, Exception? Error)> RunAsync(int count, Func<Task> call, CancellationToken ct, int initialBatch = 1)
    {
        var done = 0;
        var attempted = 0;
        var batch = Math.Min(count, initialBatch);
        while (batch > 0)
        {
            ct.ThrowIfCancellationRequested();
            attempted += batch;
            var tasks = Enumerable.Range(0, batch).Select(_ => call()).ToArray();
            Exception? error = null;
            foreach (var t in tasks)
            {
                try
                {
                    await t;
                    done++;
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e)
                {
                    error ??= e;
                }
            }

            if (error is not null)
            {
                return (done, attempted, error);
            }

            batch = Math.Min(2 * batch, count - done);
        }

        return (done, attempted, null);
    }
}
