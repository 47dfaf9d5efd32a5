using k8s.Models;

namespace Berth.Scheduler;

/// <summary>A decision to bind a pod to a node: POST it as <see cref="ToV1Binding"/> to <c>pods/NAME/binding</c>.</summary>
public sealed record PodBinding(string Namespace, string Name, string Uid, string NodeName)
{
    public V1Binding ToV1Binding() => new()
    {
        ApiVersion = "v1",
        Kind = "Binding",
        Metadata = new V1ObjectMeta { Name = Name, NamespaceProperty = Namespace, Uid = string.IsNullOrEmpty(Uid) ? null : Uid },
        Target = new V1ObjectReference { ApiVersion = "v1", Kind = "Node", Name = NodeName },
    };
}
