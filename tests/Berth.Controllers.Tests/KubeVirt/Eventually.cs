namespace Berth.Controllers.Tests.KubeVirt;

/// <summary>Polls until a value satisfies a condition or a deadline passes (never a bare sleep as synchronisation).</summary>
public static class Eventually
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(20);

    public static async Task<T> GetAsync<T>(Func<Task<T>> read, Func<T, bool> ok, string what, TimeSpan? timeout = null, Func<T, string>? describe = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Default);
        while (true)
        {
            var value = await read();
            if (ok(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {(timeout ?? Default).TotalSeconds:F0}s waiting for {what}; last: {(describe is null ? value?.ToString() : describe(value))}");
            }

            await Task.Delay(20);
        }
    }
}
