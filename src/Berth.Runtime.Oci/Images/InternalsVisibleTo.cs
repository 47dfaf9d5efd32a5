using System.Runtime.CompilerServices;

// The image tests check what the unpacker wrote with the same lstat/xattr calls it uses.
[assembly: InternalsVisibleTo("Berth.Runtime.Oci.Tests")]
