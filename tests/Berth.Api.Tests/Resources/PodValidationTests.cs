using Xunit;

namespace Berth.Api.Tests.Resources;

[Trait("Tier", "Unit")]
public sealed class PodValidationTests
{
    private const string Dns1123Label =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    [Theory]
    [InlineData("""{"spec":{}}""", "spec.containers", "FieldValueRequired", "Required value")]
    [InlineData("""{"spec":{"containers":[{"image":"nginx"}]}}""", "spec.containers[0].name", "FieldValueRequired", "Required value")]
    [InlineData("""{"spec":{"containers":[{"name":"Web_1","image":"nginx"}]}}""", "spec.containers[0].name", "FieldValueInvalid", "Invalid value: \"Web_1\": " + Dns1123Label)]
    [InlineData("""{"spec":{"containers":[{"name":"web"}]}}""", "spec.containers[0].image", "FieldValueRequired", "Required value")]
    [InlineData("""{"spec":{"containers":[{"name":"web","image":"a"},{"name":"web","image":"b"}]}}""", "spec.containers[1].name", "FieldValueDuplicate", "Duplicate value: \"web\"")]
    [InlineData("""{"spec":{"initContainers":[{"name":"web","image":"a"}],"containers":[{"name":"web","image":"b"}]}}""", "spec.initContainers[0].name", "FieldValueDuplicate", "Duplicate value: \"web\"")]
    [InlineData("""{"spec":{"restartPolicy":"Sometimes","containers":[{"name":"c","image":"a"}]}}""", "spec.restartPolicy", "FieldValueNotSupported", "Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"")]
    [InlineData("""{"spec":{"dnsPolicy":"Custom","containers":[{"name":"c","image":"a"}]}}""", "spec.dnsPolicy", "FieldValueNotSupported", "Unsupported value: \"Custom\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\"")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","imagePullPolicy":"Sometimes"}]}}""", "spec.containers[0].imagePullPolicy", "FieldValueNotSupported", "Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\"")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","ports":[{"containerPort":70000}]}]}}""", "spec.containers[0].ports[0].containerPort", "FieldValueInvalid", "Invalid value: 70000: must be between 1 and 65535, inclusive")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","ports":[{}]}]}}""", "spec.containers[0].ports[0].containerPort", "FieldValueRequired", "Required value")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","ports":[{"containerPort":80,"protocol":"ICMP"}]}]}}""", "spec.containers[0].ports[0].protocol", "FieldValueNotSupported", "Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","ports":[{"containerPort":80,"name":"http"},{"containerPort":81,"name":"http"}]}]}}""", "spec.containers[0].ports[1].name", "FieldValueDuplicate", "Duplicate value: \"http\"")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","ports":[{"containerPort":80,"name":"web-server-long-name"}]}]}}""", "spec.containers[0].ports[0].name", "FieldValueInvalid", "Invalid value: \"web-server-long-name\": must be no more than 15 characters")]
    [InlineData("""{"spec":{"containers":[{"name":"a","image":"a","ports":[{"containerPort":80,"hostPort":8080}]},{"name":"b","image":"b","ports":[{"containerPort":81,"hostPort":8080}]}]}}""", "spec.containers[1].ports[0].hostPort", "FieldValueDuplicate", "Duplicate value: \"TCP//8080\"")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","volumeMounts":[{"name":"data","mountPath":"/data"}]}]}}""", "spec.containers[0].volumeMounts[0].name", "FieldValueNotFound", "Not found: \"data\"")]
    [InlineData("""{"spec":{"volumes":[{"name":"v"}],"containers":[{"name":"c","image":"a","volumeMounts":[{"name":"v","mountPath":"/d"},{"name":"v","mountPath":"/d"}]}]}}""", "spec.containers[0].volumeMounts[1].mountPath", "FieldValueInvalid", "Invalid value: \"/d\": must be unique")]
    [InlineData("""{"spec":{"volumes":[{"name":"v"},{"name":"v"}],"containers":[{"name":"c","image":"a"}]}}""", "spec.volumes[1].name", "FieldValueDuplicate", "Duplicate value: \"v\"")]
    [InlineData("""{"spec":{"volumes":[{"name":"v","emptyDir":{},"hostPath":{"path":"/x"}}],"containers":[{"name":"c","image":"a"}]}}""", "spec.volumes[0].emptyDir", "FieldValueForbidden", "Forbidden: may not specify more than 1 volume type")]
    [InlineData("""{"spec":{"volumes":[{"name":"v","configMap":{}}],"containers":[{"name":"c","image":"a"}]}}""", "spec.volumes[0].configMap.name", "FieldValueRequired", "Required value")]
    [InlineData("""{"spec":{"volumes":[{"name":"v","secret":{"secretName":"s","defaultMode":1000}}],"containers":[{"name":"c","image":"a"}]}}""", "spec.volumes[0].secret.defaultMode", "FieldValueInvalid", "Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","env":[{"value":"x"}]}]}}""", "spec.containers[0].env[0].name", "FieldValueRequired", "Required value")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","env":[{"name":"A=B"}]}]}}""", "spec.containers[0].env[0].name", "FieldValueInvalid", "Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","env":[{"name":"A","value":"x","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}]}]}}""", "spec.containers[0].env[0].valueFrom", "FieldValueInvalid", "Invalid value: \"\": may not be specified when `value` is not empty")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","env":[{"name":"A","valueFrom":{}}]}]}}""", "spec.containers[0].env[0].valueFrom", "FieldValueInvalid", "Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","env":[{"name":"A","valueFrom":{"fieldRef":{"fieldPath":"spec.secret"}}}]}]}}""", "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath", "FieldValueNotSupported", "Unsupported value: \"spec.secret\": supported values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", \"status.podIP\", \"status.podIPs\"")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","env":[{"name":"A","valueFrom":{"secretKeyRef":{"name":"s"}}}]}]}}""", "spec.containers[0].env[0].valueFrom.secretKeyRef.key", "FieldValueRequired", "Required value")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","resources":{"requests":{"cpu":"2"},"limits":{"cpu":"1"}}}]}}""", "spec.containers[0].resources.requests", "FieldValueInvalid", "Invalid value: \"2\": must be less than or equal to cpu limit of 1")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","resources":{"limits":{"cpu":"lots"}}}]}}""", "spec.containers[0].resources.limits[cpu]", "FieldValueInvalid", "Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","resources":{"limits":{"gpu":"1"}}}]}}""", "spec.containers[0].resources.limits[gpu]", "FieldValueInvalid", "Invalid value: \"gpu\": must be a standard resource for containers")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","livenessProbe":{}}]}}""", "spec.containers[0].livenessProbe", "FieldValueRequired", "Required value: must specify a handler type")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","livenessProbe":{"exec":{"command":["true"]},"tcpSocket":{"port":80}}}]}}""", "spec.containers[0].livenessProbe.tcpSocket", "FieldValueForbidden", "Forbidden: may not specify more than 1 handler type")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","livenessProbe":{"exec":{"command":["true"]},"successThreshold":2}}]}}""", "spec.containers[0].livenessProbe.successThreshold", "FieldValueInvalid", "Invalid value: 2: must be 1")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","readinessProbe":{"httpGet":{"port":"http-port-name-too-long"}}}]}}""", "spec.containers[0].readinessProbe.httpGet.port", "FieldValueInvalid", "Invalid value: \"http-port-name-too-long\": must be no more than 15 characters")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":"a","restartPolicy":"Always"}]}}""", "spec.containers[0].restartPolicy", "FieldValueForbidden", "Forbidden: may not be set for non-init containers")]
    [InlineData("""{"spec":{"initContainers":[{"name":"i","image":"a","readinessProbe":{"exec":{"command":["true"]}}}],"containers":[{"name":"c","image":"a"}]}}""", "spec.initContainers[0].readinessProbe", "FieldValueForbidden", "Forbidden: may not be set for init containers without restartPolicy=Always")]
    [InlineData("""{"spec":{"activeDeadlineSeconds":0,"containers":[{"name":"c","image":"a"}]}}""", "spec.activeDeadlineSeconds", "FieldValueInvalid", "Invalid value: 0: must be between 1 and 2147483647, inclusive")]
    [InlineData("""{"spec":{"hostname":"Bad.Host","containers":[{"name":"c","image":"a"}]}}""", "spec.hostname", "FieldValueInvalid", "Invalid value: \"Bad.Host\": " + Dns1123Label)]
    [InlineData("""{"spec":{"nodeSelector":{"disk type":"ssd"},"containers":[{"name":"c","image":"a"}]}}""", "spec.nodeSelector", "FieldValueInvalid", "Invalid value: \"disk type\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")]
    [InlineData("""{"spec":{"tolerations":[{"operator":"Equal","value":"x"}],"containers":[{"name":"c","image":"a"}]}}""", "spec.tolerations[0].operator", "FieldValueInvalid", "Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\"")]
    [InlineData("""{"spec":{"tolerations":[{"key":"k","operator":"Exists","effect":"NoSchedule","tolerationSeconds":5}],"containers":[{"name":"c","image":"a"}]}}""", "spec.tolerations[0].effect", "FieldValueInvalid", "Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set")]
    [InlineData("""{"spec":{"hostNetwork":true,"containers":[{"name":"c","image":"a","ports":[{"containerPort":80,"hostPort":81}]}]}}""", "spec.containers[0].ports[0].hostPort", "FieldValueInvalid", "Invalid value: 81: must match `containerPort` when `hostNetwork` is true")]
    [InlineData("""{"spec":{"dnsPolicy":"None","containers":[{"name":"c","image":"a"}]}}""", "spec.dnsConfig", "FieldValueRequired", "Required value: must provide `dnsConfig` when `dnsPolicy` is None")]
    [InlineData("""{"spec":{"containers":[{"name":"c","image":" nginx"}]}}""", "spec.containers[0].image", "FieldValueInvalid", "Invalid value: \" nginx\": must not have leading or trailing whitespace")]
    [InlineData("""{"metadata":{"name":"Web"},"spec":{"containers":[{"name":"c","image":"a"}]}}""", "metadata.name", "FieldValueInvalid", "Invalid value: \"Web\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")]
    public void Invalid_pods_are_rejected_with_Kubernetes_causes(string pod, string field, string reason, string message)
    {
        var (_, causes) = Pipeline.Create("Pod", pod);
        Pipeline.HasCause(causes, field, reason, message);
    }

    [Fact]
    public void A_full_pod_is_valid()
    {
        Pipeline.Valid("Pod", """
            {"spec":{"volumes":[{"name":"cfg","configMap":{"name":"c","items":[{"key":"a","path":"a.conf"}]}},{"name":"tmp","emptyDir":{"medium":"Memory"}}],
              "initContainers":[{"name":"init","image":"busybox","command":["true"]},
                                {"name":"sidecar","image":"envoy","restartPolicy":"Always","readinessProbe":{"tcpSocket":{"port":9901}}}],
              "containers":[{"name":"web","image":"nginx:1.27","ports":[{"name":"http","containerPort":80}],
                "env":[{"name":"POD","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},{"name":"LBL","valueFrom":{"fieldRef":{"fieldPath":"metadata.labels['app']"}}}],
                "envFrom":[{"configMapRef":{"name":"c"}}],
                "volumeMounts":[{"name":"cfg","mountPath":"/etc/app","readOnly":true},{"name":"tmp","mountPath":"/tmp","subPath":"x"}],
                "resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"1","memory":"128Mi","example.com/gpu":"1"}},
                "livenessProbe":{"httpGet":{"port":"http","path":"/healthz"}},
                "startupProbe":{"exec":{"command":["true"]},"failureThreshold":30},
                "lifecycle":{"preStop":{"sleep":{"seconds":5}}}}],
              "tolerations":[{"key":"dedicated","operator":"Equal","value":"vm","effect":"NoSchedule"}],
              "nodeSelector":{"kubernetes.io/os":"linux"},"hostname":"web-0","subdomain":"web",
              "dnsConfig":{"nameservers":["10.96.0.10"],"searches":["svc.cluster.local"]},"runtimeClassName":"vm"}}
            """);
    }
}
