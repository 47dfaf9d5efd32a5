using Berth.Runtime.Oci.Runtime;

namespace Berth.Runtime.Conformance;

public sealed class RuncFixture : RuntimeFixture
{
    public override string RuntimeName => "runc";

    protected override OciRuntimeBinary CreateBinary() => OciRuntimeBinary.Runc();
}
