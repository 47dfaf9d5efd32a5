using Berth.Runtime.Oci.Runtime;

namespace Berth.Runtime.Conformance;

public sealed class CrunFixture : RuntimeFixture
{
    public override string RuntimeName => "crun";

    protected override OciRuntimeBinary CreateBinary() => OciRuntimeBinary.Crun();
}
