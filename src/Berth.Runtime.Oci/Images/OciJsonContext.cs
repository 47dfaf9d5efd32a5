using System.Text.Json.Serialization;
using Berth.Runtime.Oci.Build;
using Berth.Runtime.Oci.Registry;
using Berth.Runtime.Oci.Runtime;

namespace Berth.Runtime.Oci.Images;

/// <summary>
/// Source-generated JSON metadata for every document this assembly reads or writes: image documents, the
/// registries file, the build cache, container records. The native build has no reflection-based serializer
/// for these, and a type missing here fails the same way in the JIT build's tests ("JsonTypeInfo metadata
/// ... was not provided"), so the unit tests catch it. Naming and null handling come from the options each
/// caller passes (<see cref="ImageJson.Options"/>, the container record's own).
/// </summary>
[JsonSerializable(typeof(OciIndex))]
[JsonSerializable(typeof(OciManifest))]
[JsonSerializable(typeof(OciImageConfig))]
[JsonSerializable(typeof(ContainerConfig))]
[JsonSerializable(typeof(RootFs))]
[JsonSerializable(typeof(List<HistoryEntry>))]
[JsonSerializable(typeof(RegistryOptions))]
[JsonSerializable(typeof(BuildCacheEntry))]
[JsonSerializable(typeof(List<ImageArchive.DockerManifestEntry>))]
[JsonSerializable(typeof(SortedDictionary<string, string>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(ContainerRecord))]
internal sealed partial class OciJsonContext : JsonSerializerContext;
