namespace Berth.Agent.Probes;

internal enum ProbeKind
{
    Startup,
    Liveness,
    Readiness,
}
