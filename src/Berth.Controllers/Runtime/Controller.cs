using Berth.Api.Client;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.Runtime;

/// <summary>
/// A level-based reconciler behind a work queue, as controllers in kube-controller-manager are:
/// informer handlers enqueue keys (<c>namespace/name</c>), workers take one key at a time and call
/// <see cref="ReconcileAsync"/>, which reads the current state from the informers and makes the
/// world match it. Reconciling a key again at any time must be harmless. An exception requeues
/// the key with back-off; a conflict (409) requeues it at once.
/// <code>
///   Setup (informers, handlers) ─▶ RunAsync: N workers ─▶ GetAsync ─▶ ReconcileAsync ─▶ Forget | AddRateLimited ─▶ Done
/// </code>
/// </summary>
public abstract partial class Controller(string name, ControllerContext context, int workers = 2)
{
    public string Name { get; } = name;

    public WorkQueue<string> Queue { get; } = new(context.Time);

    protected ControllerContext Context { get; } = context;

    protected IApiClient Api => Context.Api;

    protected ILogger Logger { get; } = context.Loggers.CreateLogger($"Berth.Controllers.{name}");

    /// <summary>Creates informers and registers handlers; called once, before the informers start.</summary>
    public abstract void Setup();

    /// <summary>Makes the object named by <paramref name="key"/> converge; throw to retry later.</summary>
    protected abstract Task ReconcileAsync(string key, CancellationToken ct);

    /// <summary>Runs the workers until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var reg = ct.Register(Queue.ShutDown);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkerAsync(ct), CancellationToken.None)));
    }

    private async Task WorkerAsync(CancellationToken ct)
    {
        while (true)
        {
            (bool ok, string key) item;
            try
            {
                item = await Queue.GetAsync(ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (!item.ok)
            {
                return;
            }

            try
            {
                await ReconcileAsync(item.key, ct);
                Queue.Forget(item.key);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (ApiException e) when (e.Code == 409)
            {
                Queue.AddRateLimited(item.key);
            }
            catch (Exception e)
            {
                LogReconcileFailed(Logger, Name, item.key, Queue.Failures(item.key) + 1, e.Message);
                Queue.AddRateLimited(item.key);
            }
            finally
            {
                Queue.Done(item.key);
            }
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "{Controller}: reconciling {Key} failed (attempt {Attempt}): {Reason}")]
    private static partial void LogReconcileFailed(ILogger logger, string controller, string key, int attempt, string reason);
}
