namespace Berth.Runtime.Oci.Build;

/// <summary>What <c>berth image build</c> was asked to do.</summary>
/// <param name="ContextDir">The build context: COPY/ADD sources are relative to it.</param>
/// <param name="Containerfile">The Containerfile; null means <c>CONTEXT/Containerfile</c>, else <c>CONTEXT/Dockerfile</c>.</param>
/// <param name="Tags">References to point at the result (normalised like any reference).</param>
/// <param name="BuildArgs"><c>--build-arg K=V</c> values for declared ARGs.</param>
/// <param name="Network">"none" (default: a network namespace with only loopback) or "host", for RUN steps.</param>
/// <param name="NoCache">Ignore the build cache (results are still stored in it).</param>
public sealed record BuildOptions(
    string ContextDir,
    string? Containerfile,
    IReadOnlyList<string> Tags,
    IReadOnlyDictionary<string, string> BuildArgs,
    string Network = "none",
    bool NoCache = false);
