namespace Berth.Runtime.Vm;

public enum Accelerator
{
    Tcg,
    Kvm,
}
