namespace Berth.Controllers.Tests.Support;

/// <summary>Polls a condition until it holds or a deadline passes (never a bare sleep as synchronisation).</summary>
public static class Wait
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, Func<Task<string>>? describe = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Default);
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                var state = describe is null ? "" : "\n" + await describe();
                throw new TimeoutException($"timed out after {(timeout ?? Default).TotalSeconds:F0}s waiting for {what}{state}");
            }

            await Task.Delay(25);
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeout);

    /// <summary>Waits until <paramref name="read"/> returns a value satisfying <paramref name="ok"/>; returns that value.</summary>
    public static async Task<T> ForAsync<T>(Func<Task<T>> read, Func<T, bool> ok, string what, TimeSpan? timeout = null, Func<T, string>? describe = null)
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

            await Task.Delay(25);
        }
    }
}
