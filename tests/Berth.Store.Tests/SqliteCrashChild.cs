using System.Globalization;
using System.Text;
using Berth.Store.Sqlite;

namespace Berth.Store.Tests;

/// <summary>
/// The process <see cref="SqliteCrashTests"/> kills with SIGKILL: concurrent writers creating (and
/// then updating every other) key, printing a line only after the store acknowledged the write:
/// <c>ACK KEY REVISION</c> for a create, <c>UPD KEY REVISION</c> for an update. Runs until killed.
/// </summary>
internal static class SqliteCrashChild
{
    public const string Argument = "--sqlite-crash-child";

    /// <summary>args: DATABASE WRITERS TAG.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var path = args[0];
        var writers = int.Parse(args[1], CultureInfo.InvariantCulture);
        var tag = args[2];
        var output = Console.Out;
        await using var store = new SqliteStore(path);
        await store.StartAsync(CancellationToken.None);
        output.WriteLine("READY");
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; ; i++)
            {
                var key = $"/crash/{tag}/w{w:D2}/k{i:D6}";
                var revision = await store.CreateAsync(key, Value(key, 1), CancellationToken.None);
                output.WriteLine($"ACK {key} {revision}");
                if (i % 2 == 0)
                {
                    revision = await store.UpdateAsync(key, Value(key, 2), revision, CancellationToken.None);
                    output.WriteLine($"UPD {key} {revision}");
                }
            }
        })));
        return 0;
    }

    /// <summary>A pod-sized value that names its key and version, so a torn or misplaced value shows.</summary>
    public static byte[] Value(string key, int version) =>
        Encoding.UTF8.GetBytes($"{{\"key\":\"{key}\",\"version\":{version},\"pad\":\"{new string('x', 600)}\"}}");
}
