namespace Berth.Runtime.Vm.Tests.Support;

internal static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until true or the deadline; fails with <paramref name="what"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            }

            await Task.Delay(100);
        }
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what);

    /// <summary>GET http://ADDRESS/ until it answers; returns the body. On failure the message carries the end of <paramref name="consoleLog"/>.</summary>
    public static async Task<string> HttpAsync(string url, TimeSpan timeout, string? consoleLog = null)
    {
        using var http = new HttpClient(new HttpClientHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(1) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return await http.GetStringAsync(url);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                if (DateTime.UtcNow > deadline)
                {
                    var tail = consoleLog is not null && File.Exists(consoleLog) ? string.Join('\n', File.ReadLines(consoleLog).TakeLast(25)) : "";
                    throw new TimeoutException($"{url} did not answer within {timeout.TotalSeconds:0} s: {e.Message}\nconsole:\n{tail}");
                }

                await Task.Delay(100);
            }
        }
    }
}
