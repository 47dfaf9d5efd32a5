namespace Berth.Runtime.Oci.Runtime;

/// <summary>What <c>runc state</c> / <c>runc list --format json</c> report for one container (OCI runtime.md "State").</summary>
public sealed record RuntimeState(string Id, string Status, int Pid, string Bundle);
