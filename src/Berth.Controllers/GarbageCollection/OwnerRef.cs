namespace Berth.Controllers.GarbageCollection;

/// <summary>One entry of <c>metadata.ownerReferences</c>.</summary>
public sealed record OwnerRef(string ApiVersion, string Kind, string Name, string Uid, bool Controller, bool BlockOwnerDeletion);
