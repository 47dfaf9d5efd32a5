namespace Berth.Controllers.Jobs;

/// <summary>
/// The delay before a Job replaces a failed pod (kube's <c>getRemainingTimeForFailuresCount</c>): the default
/// back-off (10 s) doubled for each consecutive failure since the last success, capped (6 min), minus the time
/// since the last failure.
/// </summary>
public static class JobBackoff
{
    public static TimeSpan Remaining(int failuresAfterLastSuccess, DateTimeOffset? lastFailure, DateTimeOffset now, TimeSpan initial, TimeSpan max)
    {
        if (failuresAfterLastSuccess == 0 || lastFailure is null)
        {
            return TimeSpan.Zero;
        }

        var backoff = initial;
        for (var i = 1; i < failuresAfterLastSuccess; i++)
        {
            backoff *= 2;
            if (backoff >= max)
            {
                backoff = max;
                break;
            }
        }

        var elapsed = now - lastFailure.Value;
        return backoff < elapsed ? TimeSpan.Zero : backoff - elapsed;
    }
}
