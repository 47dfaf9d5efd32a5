namespace Berth.Runtime.Vm.Host;

internal sealed record ProcessResult(int ExitCode, string StdOut, string StdErr)
{
    public string Describe() => string.IsNullOrWhiteSpace(StdErr) ? StdOut.Trim() : StdErr.Trim();
}
