using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.Runtime;

/// <summary>
/// Leader election on a <c>coordination.k8s.io/v1 Lease</c>, as client-go's leaderelection package
/// does it: a candidate takes the lease when it is free, its own, or not renewed for
/// <see cref="LeaseDuration"/>; the leader renews every <see cref="RetryPeriod"/> and gives up
/// leadership when it cannot renew within <see cref="RenewDeadline"/>. The identity should be stable
/// across restarts of the same server so that a restarted leader takes its lease back at once.
/// <code>
///   candidate ─acquire─▶ leader ─renew fails for RenewDeadline─▶ candidate
///                           └─ cancelled ─▶ release (holder cleared) ─▶ stopped
/// </code>
/// </summary>
public sealed partial class LeaderElector(IApiClient api, ResourceType leaseType, string ns, string name, string identity, TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan RenewDeadline = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(2);

    public string Identity { get; } = identity;

    /// <summary>
    /// Campaigns until leader, runs <paramref name="lead"/> with a token cancelled when leadership is
    /// lost, and campaigns again; returns when <paramref name="ct"/> is cancelled.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            while (!await TryAcquireOrRenewAsync(ct))
            {
                await Task.Delay(RetryPeriod, time, ct);
            }

            LogLeading(logger, name, Identity);
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var work = Task.Run(() => lead(leading.Token), CancellationToken.None);
            var lastRenew = time.GetUtcNow();
            while (!leading.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(RetryPeriod, time, ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                if (await TryAcquireOrRenewAsync(ct))
                {
                    lastRenew = time.GetUtcNow();
                }
                else if (time.GetUtcNow() - lastRenew > RenewDeadline)
                {
                    LogLost(logger, name, Identity);
                    break;
                }
            }

            await leading.CancelAsync();
            try
            {
                await work;
            }
            catch (OperationCanceledException)
            {
            }

            if (ct.IsCancellationRequested)
            {
                await ReleaseAsync();
            }
        }
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var stamp = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        try
        {
            JsonObject lease;
            try
            {
                lease = await api.GetAsync(leaseType, ns, name, ct);
            }
            catch (ApiException e) when (e.Code == 404)
            {
                await api.CreateAsync(leaseType, ns, new JsonObject
                {
                    ["apiVersion"] = leaseType.ApiVersion,
                    ["kind"] = leaseType.Kind,
                    ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
                    ["spec"] = Spec(stamp, stamp, 0),
                }, ct);
                return true;
            }

            var spec = Json.Object(lease, "spec");
            var holder = Json.String(spec, "holderIdentity");
            var renew = Json.String(spec, "renewTime");
            var duration = Json.Long(spec, "leaseDurationSeconds") ?? (long)LeaseDuration.TotalSeconds;
            var transitions = Json.Long(spec, "leaseTransitions") ?? 0;
            var expired = renew is null || !DateTimeOffset.TryParse(renew, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var r)
                || r.AddSeconds(duration) < now;
            if (!string.IsNullOrEmpty(holder) && holder != Identity && !expired)
            {
                return false;
            }

            var acquire = holder == Identity ? Json.String(spec, "acquireTime") ?? stamp : stamp;
            lease["spec"] = Spec(acquire, stamp, holder == Identity ? transitions : transitions + 1);
            await api.UpdateAsync(leaseType, ns, lease, null, ct);
            return true;
        }
        catch (ApiException e) when (e.Code is 409 or 404)
        {
            return false;
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or IOException)
        {
            LogRenewFailed(logger, name, e.Message);
            return false;
        }
    }

    private async Task ReleaseAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var lease = await api.GetAsync(leaseType, ns, name, cts.Token);
            if (Json.String(lease, "spec", "holderIdentity") == Identity && lease["spec"] is JsonObject spec)
            {
                spec["holderIdentity"] = null;
                spec["leaseDurationSeconds"] = 1;
                await api.UpdateAsync(leaseType, ns, lease, null, cts.Token);
            }
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Best effort: the lease expires by itself.
        }
    }

    private JsonObject Spec(string acquire, string renew, long transitions) => new()
    {
        ["holderIdentity"] = Identity,
        ["leaseDurationSeconds"] = (long)LeaseDuration.TotalSeconds,
        ["acquireTime"] = acquire,
        ["renewTime"] = renew,
        ["leaseTransitions"] = transitions,
    };

    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "lease {Lease}: {Identity} is the leader")]
    private static partial void LogLeading(ILogger logger, string lease, string identity);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "lease {Lease}: {Identity} lost leadership")]
    private static partial void LogLost(ILogger logger, string lease, string identity);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Warning, Message = "lease {Lease}: renew failed: {Reason}")]
    private static partial void LogRenewFailed(ILogger logger, string lease, string reason);
}
