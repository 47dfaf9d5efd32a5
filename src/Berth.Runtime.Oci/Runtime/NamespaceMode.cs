namespace Berth.Runtime.Oci.Runtime;

public enum NamespaceMode
{
    New,
    Host,
    Join,
}
