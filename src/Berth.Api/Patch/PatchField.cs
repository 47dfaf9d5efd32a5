namespace Berth.Api.Patch;

/// <summary>How strategic merge patch combines one field: the <c>x-kubernetes-patch-strategy</c> of the field.</summary>
public enum PatchStrategy
{
    /// <summary>No strategy tag: objects merge key by key, lists are replaced whole.</summary>
    Default,

    /// <summary><c>merge</c>: lists of objects merge item by item on <see cref="PatchField.MergeKey"/>; lists of scalars merge as sets.</summary>
    Merge,

    /// <summary><c>replace</c>: the patch's value replaces the field whole, objects included.</summary>
    Replace,
}

/// <summary>
/// The strategic-merge metadata of one field, the Go struct tags <c>patchStrategy</c>/<c>patchMergeKey</c>
/// of k8s.io/api (the OpenAPI extensions <c>x-kubernetes-patch-strategy</c>/<c>x-kubernetes-patch-merge-key</c>).
/// </summary>
/// <param name="Strategy">How the field combines with the live value.</param>
/// <param name="MergeKey">For <see cref="PatchStrategy.Merge"/> lists of objects: the member that identifies an item (<c>name</c>).</param>
/// <param name="RetainKeys">The <c>retainKeys</c> strategy: clients send <c>$retainKeys</c> for this object (or for each
/// item of this list) so that members they no longer set are cleared, e.g. <c>rollingUpdate</c> when a Deployment's
/// strategy becomes Recreate. The server honours <c>$retainKeys</c> wherever it appears; the flag documents the schema.</param>
/// <param name="Schema">The type of the field's value (for lists: of each item), for the fields nested below; null when nothing below has metadata.</param>
public sealed record PatchField(PatchStrategy Strategy, string? MergeKey, bool RetainKeys, PatchSchema? Schema)
{
    /// <summary>A list of objects merged on <paramref name="mergeKey"/> (<c>patchStrategy:"merge" patchMergeKey:"..."</c>).</summary>
    public static PatchField MergeList(string mergeKey, PatchSchema? items = null, bool retainKeys = false) =>
        new(PatchStrategy.Merge, mergeKey, retainKeys, items);

    /// <summary>A list of scalars merged as a set (<c>patchStrategy:"merge"</c> without a key), e.g. <c>metadata.finalizers</c>.</summary>
    public static PatchField Set() => new(PatchStrategy.Merge, null, false, null);

    /// <summary>An object whose nested fields carry metadata; <paramref name="retainKeys"/> for <c>patchStrategy:"retainKeys"</c>.</summary>
    public static PatchField Object(PatchSchema schema, bool retainKeys = false) => new(PatchStrategy.Default, null, retainKeys, schema);

    /// <summary>A list replaced whole (no strategy tag); listed explicitly where a reader would expect a merge (tolerations).</summary>
    public static PatchField Atomic() => new(PatchStrategy.Default, null, false, null);

    /// <summary>A field replaced whole even when it is an object (<c>patchStrategy:"replace"</c>).</summary>
    public static PatchField Replace() => new(PatchStrategy.Replace, null, false, null);

    public override string ToString()
    {
        var text = Strategy switch
        {
            PatchStrategy.Merge => MergeKey is null ? "merge (set)" : $"merge by {MergeKey}",
            PatchStrategy.Replace => "replace",
            _ => Schema is null ? "replace (atomic)" : "object",
        };
        return RetainKeys ? text + ", retainKeys" : text;
    }
}
