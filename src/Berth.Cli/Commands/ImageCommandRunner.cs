using Berth.Runtime.Oci.Images;

namespace Berth.Cli.Commands;

/// <summary>
/// Runs the body of a <c>berth image</c> verb and turns the failures users can act on into one
/// red line on stderr and exit code 1 (bugs still propagate with their stack).
/// </summary>
internal static class ImageCommandRunner
{
    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (e is ImageStoreException or FormatException or UnauthorizedAccessException or IOException)
        {
            // Plain text, not Spectre markup: a terminal-width wrap would break the one-line message scripts grep.
            await Console.Error.WriteLineAsync("error: " + Message(e));
            return 1;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("cancelled");
            return 130;
        }
    }

    private static string Message(Exception e) => e switch
    {
        UnauthorizedAccessException => e.Message + " (the image store needs root: run with sudo, or pass --data-dir DIR you own)",
        _ => e.Message,
    };

    public static string FormatSize(long bytes) => bytes switch
    {
        < 1000 => $"{bytes}B",
        < 1000 * 1000 => $"{bytes / 1000.0:0.#}kB",
        < 1000L * 1000 * 1000 => $"{bytes / 1e6:0.#}MB",
        _ => $"{bytes / 1e9:0.##}GB",
    };

    /// <summary>Docker's "5 minutes ago" wording.</summary>
    public static string Ago(DateTimeOffset? time, DateTimeOffset now)
    {
        if (time is null)
        {
            return "N/A";
        }
        var d = now - time.Value;
        return d.TotalSeconds switch
        {
            < 1 => "Less than a second ago",
            < 60 => $"{(int)d.TotalSeconds} seconds ago",
            < 120 => "About a minute ago",
            < 3600 => $"{(int)d.TotalMinutes} minutes ago",
            < 7200 => "About an hour ago",
            < 86400 * 2 => $"{(int)d.TotalHours} hours ago",
            < 86400 * 14 => $"{(int)d.TotalDays} days ago",
            < 86400 * 60 => $"{(int)(d.TotalDays / 7)} weeks ago",
            < 86400 * 365 * 2 => $"{(int)(d.TotalDays / 30)} months ago",
            _ => $"{(int)(d.TotalDays / 365)} years ago",
        };
    }
}
