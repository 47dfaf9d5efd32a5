using System.Text.Json.Nodes;
using Berth.Api.Protobuf;
using Xunit;

namespace Berth.Api.Tests.Protobuf;

/// <summary>
/// How wire data becomes JSON: Go struct semantics for presence, omitempty, pointers, inline structs, and the
/// special types. Messages are built by hand with the field numbers of the upstream generated.proto files.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class ProtobufJsonSemanticsTests
{
    private static JsonObject Decode(string apiVersion, string kind, Action<ProtoWriter> body) =>
        KubernetesProtobuf.Decode(ProtoWriter.Envelope(apiVersion, kind, body));

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}\nactual   {actual?.ToJsonString()}");

    [Fact]
    public void AnEmptyObjectHasItsStructsAndNonOmitemptyFields()
    {
        // Deployment{metadata, spec, status} are structs: Go writes them even when empty; creationTimestamp is a
        // zero metav1.Time (null); DeploymentSpec.template is a struct without omitempty, selector a nil pointer
        // without omitempty (null); PodSpec.containers has no omitempty (null).
        var json = Decode("apps/v1", "Deployment", _ => { });
        AssertJson("""
            {"kind":"Deployment","apiVersion":"apps/v1","metadata":{"creationTimestamp":null},
             "spec":{"selector":null,"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":null}},"strategy":{}},
             "status":{}}
            """, json);
    }

    [Fact]
    public void APointerSetToZeroIsKeptAndAValueZeroWithOmitemptyIsNot()
    {
        // DeploymentSpec: replicas *int32 = 1, minReadySeconds int32 = 5, paused bool = 7.
        var json = Decode("apps/v1", "Deployment", d => d.Message(2, s => s.Varint(1, 0).Varint(5, 0).Bool(7, false)));
        var spec = json["spec"]!.AsObject();
        Assert.Equal(0, (int)spec["replicas"]!);
        Assert.False(spec.ContainsKey("minReadySeconds"));
        Assert.False(spec.ContainsKey("paused"));
    }

    [Fact]
    public void NegativeInt32AndInt64SurviveTheTenByteVarint()
    {
        // PodSpec.priority *int32 = 25, activeDeadlineSeconds *int64 = 5 (negative values are invalid to the
        // API server's validation, but the decoding is what Go's would be).
        var json = Decode("v1", "Pod", p => p.Message(2, s => s.Varint(25, -7).Varint(5, long.MinValue)));
        Assert.Equal(-7, (int)json["spec"]!["priority"]!);
        Assert.Equal(long.MinValue, (long)json["spec"]!["activeDeadlineSeconds"]!);
    }

    [Fact]
    public void AnInlineStructWritesItsFieldsIntoTheParent()
    {
        // Container.livenessProbe = 10 is a Probe whose ProbeHandler (1) is inline: exec sits beside periodSeconds.
        var json = Decode("v1", "Pod", p => p.Message(2, s => s.Message(2, c => c
            .String(1, "c")
            .Message(10, probe => probe.Message(1, h => h.Message(1, e => e.String(1, "true"))).Varint(4, 3)))));
        AssertJson("""{"exec":{"command":["true"]},"periodSeconds":3}""", json["spec"]!["containers"]![0]!["livenessProbe"]);
    }

    [Fact]
    public void ConfigMapKeySelectorNameComesFromTheInlineLocalObjectReference()
    {
        // EnvVar{name=1, valueFrom=3{configMapKeyRef=3{LocalObjectReference(1){name=1}, key=2}}}
        var json = Decode("v1", "Pod", p => p.Message(2, s => s.Message(2, c => c.String(1, "c").Message(7, env => env
            .String(1, "E")
            .Message(3, from => from.Message(3, sel => sel.Message(1, l => l.String(1, "cm")).String(2, "k")))))));
        AssertJson("""{"name":"E","valueFrom":{"configMapKeyRef":{"name":"cm","key":"k"}}}""", json["spec"]!["containers"]![0]!["env"]![0]);
    }

    [Fact]
    public void MapsAreSortedAndTheLastDuplicateKeyWins()
    {
        // ObjectMeta.labels = 11.
        var json = Decode("v1", "ConfigMap", c => c.Message(1, m => m.String(1, "x")
            .Entry(11, "zeta", "1").Entry(11, "alpha", "2").Entry(11, "zeta", "3").Entry(11, "Beta", "4")));
        var labels = json["metadata"]!["labels"]!.AsObject();
        Assert.Equal(["Beta", "alpha", "zeta"], labels.Select(p => p.Key));
        Assert.Equal("3", (string)labels["zeta"]!);
    }

    [Fact]
    public void SecretBytesAreBase64AndAnEmptyValueIsAnEmptyString()
    {
        var json = Decode("v1", "Secret", s => s
            .Message(2, e => e.String(1, "bin").Bytes(2, [0, 1, 0xFF]))
            .Message(2, e => e.String(1, "empty"))
            .Varint(5, 0));
        AssertJson("""{"bin":"AAH/","empty":""}""", json["data"]);
        Assert.False((bool)json["immutable"]!);
    }

    [Fact]
    public void QuantitiesAndIntOrStringsHaveTheirJsonForms()
    {
        // Deployment.spec.strategy.rollingUpdate{maxUnavailable=1 (int 0), maxSurge=2 (string "25%")}, and a
        // container's resources.limits (map<string, Quantity{string=1}>).
        var json = Decode("apps/v1", "Deployment", d => d.Message(2, s => s
            .Message(3, t => t.Message(2, ps => ps.Message(2, c => c.String(1, "c").Message(8, r => r
                .Message(1, e => e.String(1, "memory").Message(2, q => q.String(1, "64Mi")))
                .Message(1, e => e.String(1, "cpu")))))) // a Quantity with no string is Go's zero: "0"
            .Message(4, st => st.String(1, "RollingUpdate").Message(2, ru => ru
                .Message(1, i => i.Varint(1, 0).Varint(2, 0))
                .Message(2, i => i.Varint(1, 1).String(3, "25%"))))));
        AssertJson("""{"cpu":"0","memory":"64Mi"}""", json["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]);
        AssertJson("""{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":0,"maxSurge":"25%"}}""", json["spec"]!["strategy"]);
    }

    [Fact]
    public void TimesAreRfc3339AndMicroTimesKeepMicroseconds()
    {
        // Lease.spec{holderIdentity=1, acquireTime=3, renewTime=4} and metadata.creationTimestamp=8 (nanos dropped).
        var json = Decode("coordination.k8s.io/v1", "Lease", l => l
            .Message(1, m => m.Message(8, t => t.Varint(1, 1704164645).Varint(2, 999)))
            .Message(2, s => s.String(1, "me")
                .Message(3, t => t.Varint(1, 1704164645).Varint(2, 123456789))
                .Message(4, t => t.Varint(1, 0))));
        Assert.Equal("2024-01-02T03:04:05Z", (string)json["metadata"]!["creationTimestamp"]!);
        Assert.Equal("2024-01-02T03:04:05.123456Z", (string)json["spec"]!["acquireTime"]!);
        Assert.Equal("1970-01-01T00:00:00.000000Z", (string)json["spec"]!["renewTime"]!);
    }

    [Fact]
    public void RawExtensionAndFieldsV1CarryEmbeddedJson()
    {
        var json = Decode("apps/v1", "ControllerRevision", r => r
            .Message(1, m => m.String(1, "rev").Message(17, f => f.String(1, "kubectl").Message(7, v => v.String(1, """{"f:spec":{}}"""))))
            .Message(2, d => d.String(1, """{"spec":{"template":{"a":1}}}"""))
            .Varint(3, 2));
        AssertJson("""{"spec":{"template":{"a":1}}}""", json["data"]);
        Assert.Equal(2, (long)json["revision"]!);
        AssertJson("""[{"manager":"kubectl","fieldsV1":{"f:spec":{}}}]""", json["metadata"]!["managedFields"]);
    }

    [Fact]
    public void AMessageFieldRepeatedOnTheWireIsMerged()
    {
        // Two occurrences of metadata: the protobuf rule (and gogo's Unmarshal) merges them.
        var json = Decode("v1", "ConfigMap", c => c.Message(1, m => m.String(1, "a")).Message(1, m => m.String(3, "ns").Entry(11, "k", "v")));
        Assert.Equal("a", (string)json["metadata"]!["name"]!);
        Assert.Equal("ns", (string)json["metadata"]!["namespace"]!);
        Assert.Equal("v", (string)json["metadata"]!["labels"]!["k"]!);
    }

    [Fact]
    public void PackedAndUnpackedRepeatedIntegersAreBothRead()
    {
        // PodSecurityContext.supplementalGroups = 4 ([]int64), once packed and once not.
        var packed = new ProtoWriter().RawVarint(1).RawVarint(300).ToArray();
        var json = Decode("v1", "Pod", p => p.Message(2, s => s.Message(14, sc => sc.Bytes(4, packed).Varint(4, 7))));
        AssertJson("[1,300,7]", json["spec"]!["securityContext"]!["supplementalGroups"]);
    }

    [Fact]
    public void UnknownFieldsOfEveryWireTypeAreSkipped()
    {
        var json = Decode("v1", "Namespace", n => n
            .Varint(99, 5)
            .Tag(98, ProtoWireType.Fixed64).Raw(1, 2, 3, 4, 5, 6, 7, 8)
            .Tag(97, ProtoWireType.Fixed32).Raw(1, 2, 3, 4)
            .String(96, "x")
            .Tag(95, ProtoWireType.StartGroup).Varint(1, 1).Tag(94, ProtoWireType.StartGroup).Tag(94, ProtoWireType.EndGroup).Tag(95, ProtoWireType.EndGroup)
            .Message(1, m => m.String(1, "ns")));
        Assert.Equal("ns", (string)json["metadata"]!["name"]!);
    }

    [Fact]
    public void DeleteOptionsArriveUnderAnyGroupVersion()
    {
        // client-go sends DeleteOptions as apiVersion of the resource's group: metav1 registers it in each.
        var json = Decode("apps/v1", "DeleteOptions", o => o.Varint(1, 0).String(4, "Foreground").String(5, "All"));
        AssertJson("""{"kind":"DeleteOptions","apiVersion":"apps/v1","gracePeriodSeconds":0,"propagationPolicy":"Foreground","dryRun":["All"]}""", json);
    }

    [Fact]
    public void EvictionScaleAndBindingDecode()
    {
        var eviction = Decode("policy/v1", "Eviction", e => e.Message(1, m => m.String(1, "p").String(3, "ns")).Message(2, o => o.Varint(1, 30)));
        AssertJson("""{"kind":"Eviction","apiVersion":"policy/v1","metadata":{"name":"p","namespace":"ns","creationTimestamp":null},"deleteOptions":{"gracePeriodSeconds":30}}""", eviction);

        var scale = Decode("autoscaling/v1", "Scale", s => s.Message(1, m => m.String(1, "d")).Message(2, sp => sp.Varint(1, 3)));
        Assert.Equal(3, (int)scale["spec"]!["replicas"]!);

        var binding = Decode("v1", "Binding", b => b.Message(1, m => m.String(1, "p")).Message(2, t => t.String(1, "Node").String(3, "n1")));
        AssertJson("""{"kind":"Node","name":"n1"}""", binding["target"]);
    }

    [Fact]
    public void InvalidUtf8BecomesTheReplacementCharacterAsInGo()
    {
        var json = Decode("v1", "ConfigMap", c => c.Message(1, m => m.Bytes(1, [(byte)'a', 0xFF, (byte)'b'])));
        Assert.Equal("a\uFFFDb", (string)json["metadata"]!["name"]!);
    }

    [Theory]
    [InlineData("Quantity", "not a quantity")]
    [InlineData("IntOrString", "type 7")]
    [InlineData("RawExtension", "not JSON")]
    [InlineData("WireType", "wire type")]
    public void ValuesWithoutAJsonFormAreFormatErrors(string what, string message)
    {
        Action<ProtoWriter> body = what switch
        {
            "Quantity" => p => p.Message(2, s => s.Message(40, r => r.Message(1, e => e.String(1, "cpu").Message(2, q => q.String(1, "lots"))))),
            "IntOrString" => p => p.Message(2, s => s.Message(2, c => c.String(1, "c").Message(10, pr => pr.Message(1, h => h.Message(3, t => t.Message(1, i => i.Varint(1, 7))))))),
            "RawExtension" => p => p.Message(1, m => m.Message(17, f => f.Message(7, v => v.String(1, "{nope")))),
            _ => p => p.Varint(1, 3),
        };
        var e = Assert.ThrowsAny<ProtobufFormatException>(() => Decode("v1", "Pod", body));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.IsNotType<ProtobufUnsupportedKindException>(e);
    }

    [Fact]
    public void AKindOutsideTheSchemaIsUnsupportedNotMalformed()
    {
        var e = Assert.Throws<ProtobufUnsupportedKindException>(() => Decode("rbac.authorization.k8s.io/v1", "Role", _ => { }));
        Assert.Equal("Role", e.Kind);
        Assert.Throws<ProtobufUnsupportedKindException>(() => Decode("v1", "NoSuchKind", _ => { }));
        Assert.Throws<ProtobufUnsupportedKindException>(() => Decode("v1", "Time", _ => { }));
    }

    [Theory]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { (byte)'{', (byte)'}' }, "does not start")]
    [InlineData(new byte[] { (byte)'k', (byte)'8', (byte)'s', 0 }, "no kind")]
    [InlineData(new byte[] { (byte)'k', (byte)'8', (byte)'s', 0, 0x0A, 0x05, 0x0A, 0x02, (byte)'v', (byte)'1' }, "run")]
    public void ABadEnvelopeIsAFormatError(byte[] body, string fragment)
    {
        var e = Assert.ThrowsAny<ProtobufFormatException>(() => KubernetesProtobuf.Decode(body));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AGzipContentEncodingIsRefused()
    {
        var typeMeta = new ProtoWriter().String(1, "v1").String(2, "Namespace").ToArray();
        var body = KubernetesProtobuf.Magic.ToArray().Concat(new ProtoWriter().Bytes(1, typeMeta).Bytes(2, []).String(3, "gzip").ToArray()).ToArray();
        var e = Assert.Throws<ProtobufFormatException>(() => KubernetesProtobuf.Decode(body));
        Assert.Contains("gzip", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABodyThatExpandsPastTheNodeBudgetIsRefused()
    {
        // 400k empty containers: 800 kB on the wire, each {"name":"","resources":{}} once decoded.
        var spec = new ProtoWriter();
        for (var i = 0; i < 400_000; i++)
        {
            spec.Raw(0x12, 0x00);
        }

        var specBytes = spec.ToArray();
        var e = Assert.Throws<ProtobufFormatException>(() => Decode("v1", "Pod", p => p.Bytes(2, specBytes)));
        Assert.Contains("JSON values", e.Message, StringComparison.Ordinal);
    }
}
