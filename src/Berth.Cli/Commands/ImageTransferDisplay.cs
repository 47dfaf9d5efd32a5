using System.Collections.Concurrent;
using Berth.Runtime.Oci.Images;
using Berth.Runtime.Oci.Registry;
using Spectre.Console;

namespace Berth.Cli.Commands;

/// <summary>
/// Shows pull/push progress per blob: a Spectre.Console progress bar per layer on a terminal
/// (bytes done / total and the phase), or one line per phase change when output is redirected.
/// </summary>
internal static class ImageTransferDisplay
{
    public static async Task<T> RunAsync<T>(Func<IProgress<TransferProgress>, Task<T>> operation)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var last = new ConcurrentDictionary<string, TransferPhase>();
            var sync = new SynchronousProgress(p =>
            {
                if (last.TryGetValue(p.Digest, out var phase) && phase == p.Phase)
                {
                    return;
                }
                last[p.Digest] = p.Phase;
                Console.WriteLine($"{Digest.Short(p.Digest)} {p.Kind,-6} {Describe(p.Phase),-16} {ImageCommandRunner.FormatSize(p.Current)}/{ImageCommandRunner.FormatSize(p.Total)}");
            });
            return await operation(sync);
        }
        T result = default!;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new DownloadedColumn(), new TransferSpeedColumn())
            .StartAsync(async ctx =>
            {
                var tasks = new ConcurrentDictionary<string, ProgressTask>();
                var progress = new SynchronousProgress(p =>
                {
                    var task = tasks.GetOrAdd(p.Digest, _ => ctx.AddTask(Label(p), maxValue: Math.Max(1, p.Total)));
                    task.Description = Label(p);
                    task.Value = Math.Min(p.Current, task.MaxValue);
                    if (p.Phase is TransferPhase.Complete or TransferPhase.AlreadyExists or TransferPhase.Pushed)
                    {
                        task.Value = task.MaxValue;
                        task.StopTask();
                    }
                });
                result = await operation(progress);
            });
        return result;
    }

    private static string Label(TransferProgress p) => Markup.Escape($"{Digest.Short(p.Digest)} {p.Kind,-6} {Describe(p.Phase),-16}");

    private static string Describe(TransferPhase phase) => phase switch
    {
        TransferPhase.AlreadyExists => "Already exists",
        TransferPhase.Complete => "Pull complete",
        TransferPhase.Pushed => "Pushed",
        _ => phase.ToString(),
    };

    /// <summary>Reports on the caller's thread (the library reports from several tasks; the display serialises).</summary>
    private sealed class SynchronousProgress(Action<TransferProgress> report) : IProgress<TransferProgress>
    {
        private readonly Lock _gate = new();

        public void Report(TransferProgress value)
        {
            lock (_gate)
            {
                report(value);
            }
        }
    }
}
