using System.Text.Json.Serialization;

namespace Berth.Runtime.Vm;

/// <summary>How a guest boots: <see cref="KernelBoot"/> (KubeVirt <c>firmware.kernelBoot</c>) or <see cref="DiskBoot"/> (a containerDisk).</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(KernelBoot), "kernel")]
[JsonDerivedType(typeof(DiskBoot), "disk")]
public abstract record VmBoot;
