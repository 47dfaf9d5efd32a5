namespace Berth.Scheduler.Indexes;

/// <summary>What an existing pod's affinity term does to incoming pods it matches.</summary>
internal enum TermKind
{
    /// <summary>Required anti-affinity: the incoming pod may not land in a domain holding the owner (filter).</summary>
    RequiredAnti,

    /// <summary>Required affinity: scores <c>hardPodAffinityWeight</c> for the owner's domain.</summary>
    RequiredAffinity,

    /// <summary>Preferred affinity: scores +weight.</summary>
    PreferredAffinity,

    /// <summary>Preferred anti-affinity: scores −weight.</summary>
    PreferredAnti,
}
