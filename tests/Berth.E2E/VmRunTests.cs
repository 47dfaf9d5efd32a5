using System.Diagnostics;
using System.Text.Json.Nodes;
using Berth.Testing;
using Xunit;

namespace Berth.E2E;

/// <summary>
/// VMs run as pods by `berth up`, with the example images (examples/vm/build): a KubeVirt VirtualMachine with a
/// containerDisk and a persistent disk from start to stop and back (and back again after its QEMU is killed), and a
/// hand-written VM pod behind one Service with a container pod, surviving a crash of berth itself. Guests boot under TCG here (5-10 s each, longer under load), so
/// the class boots five of them in all.
/// </summary>
[Trait("Tier", "E2E")]
public sealed class VmRunTests(VmCluster fx) : IClassFixture<VmCluster>
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_VirtualMachine_runs_serves_logs_stops_starts_and_comes_back_when_QEMU_is_killed()
    {
        const string ns = "bt-vm-run";
        await fx.Kubectl.OkAsync($"create namespace {ns}");
        // The user-data counts boots on two disks and serves the counts: the containerDisk itself (its FAT partition:
        // a fresh copy-on-write overlay at every start, so always one line) and a persistent disk (disk.img in a local
        // PersistentVolume, formatted at the first boot: one more line per boot).
        await fx.Kubectl.OkAsync($"apply -n {ns} -f -", $$$"""
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: web-data}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 64Mi}}
            ---
            apiVersion: kubevirt.io/v1
            kind: VirtualMachine
            metadata: {name: web}
            spec:
              runStrategy: Always
              template:
                metadata:
                  labels: {app: vm-web}
                spec:
                  domain:
                    devices:
                      disks:
                      - {name: containerdisk, disk: {bus: virtio}}
                      - {name: data, disk: {bus: virtio}}
                      - {name: cloudinitdisk, disk: {bus: virtio}}
                    memory: {guest: 128Mi}
                  terminationGracePeriodSeconds: 30
                  volumes:
                  - name: containerdisk
                    containerDisk: {image: {{{VmCluster.ContainerDiskImage}}}, imagePullPolicy: IfNotPresent}
                  - name: data
                    persistentVolumeClaim: {claimName: web-data}
                  - name: cloudinitdisk
                    cloudInitNoCloud:
                      userData: |
                        #!/bin/sh
                        mkdir -p /mnt /srv
                        mount /dev/vda1 /mnt && echo boot >> /mnt/boots && cp /mnt/boots /srv/boots && umount /mnt
                        for b in /sys/block/vd*; do [ "$(cat $b/serial)" = data ] && data=/dev/${b##*/}; done
                        mount -t vfat $data /mnt || { mkdosfs $data && mount -t vfat $data /mnt; }
                        echo boot >> /mnt/boots && cp /mnt/boots /srv/data-boots && umount /mnt
                        echo "hello from $(hostname)" > /srv/index.html
                        httpd -p 80 -h /srv
            """);

        var (pod, ip) = await RunningAsync(ns, previousVmi: null);
        var table = await fx.Kubectl.OkAsync($"get vmi -n {ns}");
        Assert.Matches($@"web\s+\S+\s+Running\s+{ip.Replace(".", "\\.", StringComparison.Ordinal)}\s+{fx.Berth.NodeName}\s+True", table);
        Assert.StartsWith("10.251.6.", ip);
        Assert.Equal("hello from web\n", await VmCluster.GetUntilAnswersAsync($"http://{ip}/", Boot));
        Assert.Equal("boot\n", await VmCluster.GetUntilAnswersAsync($"http://{ip}/boots", Boot));
        Assert.Equal("boot\n", await VmCluster.GetUntilAnswersAsync($"http://{ip}/data-boots", Boot));
        Assert.Matches(@"Running\s+True", await fx.Kubectl.OkAsync($"get vm web -n {ns}"));

        // The serial console is the pod's log; the pod says which accelerator runs the guest, and why.
        var logs = await fx.Kubectl.OkAsync($"logs -n {ns} {pod}");
        Assert.Contains("berth-guest: kernel 6.", logs, StringComparison.Ordinal);
        Assert.Contains($"berth-guest: ready: web eth0={ip}/24", logs, StringComparison.Ordinal);
        var events = await fx.Kubectl.OkAsync($"get events -n {ns} --field-selector involvedObject.name={pod}");
        Assert.Matches(@"Warning\s+Accelerator\s+pod/\S+\s+the VM runs under TCG, not KVM: KVM ", events);
        var status = JsonNode.Parse(await fx.Kubectl.OkAsync($"get pod -n {ns} {pod} -o json"))!["status"]!["containerStatuses"]![0]!;
        Assert.Equal(VmCluster.ContainerDiskImage, (string?)status["image"]);
        Assert.StartsWith("docker.io/examples/vm-containerdisk@sha256:", (string?)status["imageID"]);
        Assert.StartsWith("vm://", (string?)status["containerID"]);
        Assert.True((bool?)status["started"]);

        var exec = await fx.Kubectl.RunAsync($"exec -n {ns} {pod} -- ls");
        Assert.NotEqual(0, exec.ExitCode);
        Assert.Contains($"pod {pod} runs a virtual machine: exec is not supported; use `berth vm console`", exec.Stderr, StringComparison.Ordinal);

        // kill -9 of QEMU: the VMI fails (its pod has restartPolicy Never) and runStrategy Always makes a new one,
        // on a fresh overlay of the containerDisk.
        var vmiUid = (await fx.Kubectl.OkAsync($"get vmi web -n {ns} -o jsonpath={{.metadata.uid}}")).Trim();
        var podUid = (await fx.Kubectl.OkAsync($"get pod -n {ns} {pod} -o jsonpath={{.metadata.uid}}")).Trim();
        // What the teardown checks below look for is there while the VM runs (the checks can fail).
        var running = string.Join("\n", await fx.LeftoversOfPodAsync(podUid));
        // The persistent disk's volume directory is recorded as in use, so that the volume cleaner never takes it from a running VM.
        var recorded = Path.Combine(fx.Berth.DataDir, "pods", podUid, "claims");
        Assert.True(Directory.Exists(recorded), $"{recorded} missing: the VM's claim disk is not recorded as in use");
        Assert.Contains("/volumes/pvc-", File.ReadAllText(Directory.EnumerateFiles(recorded).Single()), StringComparison.Ordinal);
        Assert.Contains($"/memory/berth/pod{podUid} vm-{podUid}", running, StringComparison.Ordinal);
        Assert.Contains("network namespace", running, StringComparison.Ordinal);
        Assert.Contains("iptables nat rules", running, StringComparison.Ordinal);
        Assert.Contains($"{fx.Berth.DataDir}/vm/{podUid}", running, StringComparison.Ordinal);
        Process.GetProcessById(fx.QemuPid(podUid)).Kill();
        var (pod2, ip2) = await RunningAsync(ns, previousVmi: vmiUid);
        Assert.NotEqual(pod, pod2);
        Assert.Equal("boot\n", await VmCluster.GetUntilAnswersAsync($"http://{ip2}/boots", Boot));
        Assert.Equal("boot\nboot\n", await VmCluster.GetUntilAnswersAsync($"http://{ip2}/data-boots", Boot));
        await VmCluster.WaitAsync(async () => (await fx.Kubectl.RunAsync($"get pod -n {ns} {pod}")).ExitCode != 0, "the killed VM's pod gone", TimeSpan.FromSeconds(60));
        Assert.Empty(await fx.LeftoversOfPodAsync(podUid));

        // berth vm stop: the guest powers off (ACPI), the VMI and its pod go, nothing of the VM stays on the node.
        var podUid2 = (await fx.Kubectl.OkAsync($"get pod -n {ns} {pod2} -o jsonpath={{.metadata.uid}}")).Trim();
        var stop = await VmApiTests.BerthAsync($"vm stop web -n {ns} --data-dir {fx.Berth.DataDir}");
        Assert.Equal((0, "VM web was scheduled to stop"), (stop.ExitCode, stop.Stdout.Trim()));
        await fx.WaitJsonPathAsync($"vm web -n {ns}", ".status.printableStatus", s => s == "Stopped", "the VM Stopped", TimeSpan.FromSeconds(90));
        await VmCluster.WaitAsync(async () => (await fx.Kubectl.OkAsync($"get vmi,pods -n {ns} -o name")).Trim().Length == 0, "VMI and pod gone", TimeSpan.FromSeconds(60));
        Assert.Empty(fx.QemuPids());
        Assert.Empty(await fx.LeftoversOfPodAsync(podUid2));
        Assert.Contains($"VM {podUid2}: guest shut down", File.ReadAllText(fx.Berth.LogPath), StringComparison.Ordinal);

        // berth vm start: a new VMI; the containerDisk is fresh again, the persistent disk kept its contents.
        var start = await VmApiTests.BerthAsync($"vm start web -n {ns} --data-dir {fx.Berth.DataDir}");
        Assert.Equal(0, start.ExitCode);
        var (pod3, ip3) = await RunningAsync(ns, previousVmi: null);
        Assert.Equal("boot\n", await VmCluster.GetUntilAnswersAsync($"http://{ip3}/boots", Boot));
        Assert.Equal("boot\nboot\nboot\n", await VmCluster.GetUntilAnswersAsync($"http://{ip3}/data-boots", Boot));
        var pv = (await fx.Kubectl.OkAsync($"get pvc web-data -n {ns} -o jsonpath={{.spec.volumeName}}")).Trim();
        var diskImage = (await fx.Kubectl.OkAsync($"get pv {pv} -o jsonpath={{.spec.local.path}}")).Trim() + "/disk.img";
        Assert.Equal(64L << 20, new FileInfo(diskImage).Length);
        var podUid3 = (await fx.Kubectl.OkAsync($"get pod -n {ns} {pod3} -o jsonpath={{.metadata.uid}}")).Trim();

        // Deleting the namespace takes the VM, its pod and the claim: nothing of them stays on the node.
        await fx.Kubectl.OkAsync($"delete namespace {ns} --wait=true --timeout=120s");
        Assert.Empty(fx.QemuPids());
        Assert.Empty(await fx.LeftoversOfPodAsync(podUid3));
        Assert.Equal("", await fx.BridgePortsAsync());
    }

    [Fact]
    public async Task A_Service_balances_over_a_VM_pod_and_a_container_pod_and_the_VM_outlives_a_berth_crash()
    {
        const string ns = "bt-vm-svc";
        await fx.Kubectl.OkAsync($"create namespace {ns}");
        await fx.Kubectl.OkAsync($"apply -n {ns} -f -", $$$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: vm
              labels: {app: mixed}
              annotations:
                vm.berth.dev/kernel-args: console=ttyS0 quiet
                vm.berth.dev/user-data: |
                  #!/bin/sh
                  mkdir -p /srv && echo "vm $(hostname)" > /srv/index.html && httpd -p 8080 -h /srv
            spec:
              runtimeClassName: vm
              terminationGracePeriodSeconds: 10
              containers:
              - name: vm
                image: {{{VmCluster.KernelBootImage}}}
                imagePullPolicy: IfNotPresent
                resources: {limits: {memory: 192Mi}}
                ports: [{name: http, containerPort: 8080}]
                readinessProbe:
                  httpGet: {path: /, port: http}
                  periodSeconds: 1
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: ct
              labels: {app: mixed}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: web
                image: {{{PodLifecycleTests.Fixture.Image}}}
                command: [sh, -c, "mkdir -p /w && echo container ct > /w/index.html && exec httpd -f -p 8080 -h /w"]
                ports: [{name: http, containerPort: 8080}]
                readinessProbe:
                  httpGet: {path: /, port: http}
                  periodSeconds: 1
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: mixed}
            spec:
              selector: {app: mixed}
              ports: [{port: 80, targetPort: http}]
            """);
        await fx.Kubectl.OkAsync($"wait -n {ns} --for=condition=Ready pod --all --timeout=120s");
        var clusterIp = (await fx.Kubectl.OkAsync($"get svc mixed -n {ns} -o jsonpath={{.spec.clusterIP}}")).Trim();
        await fx.WaitJsonPathAsync($"endpoints mixed -n {ns}", ".subsets[0].addresses[*].ip", s => s.Split(' ').Length == 2, "both pods in the endpoints", TimeSpan.FromSeconds(30));
        Assert.Equal(["container ct", "vm vm"], await AnswersAsync($"http://{clusterIp}/", 30));

        // Agent restart (kill -9 of berth): the VM is adopted, not restarted: same QEMU, restartCount 0, still serving.
        var uid = (await fx.Kubectl.OkAsync($"get pod vm -n {ns} -o jsonpath={{.metadata.uid}}")).Trim();
        var qemu = fx.QemuPid(uid);
        await fx.Berth.KillAsync();
        Assert.True(Process.GetProcessById(qemu) is { HasExited: false });
        await fx.Berth.RestartAsync(VmCluster.Args);
        await fx.Kubectl.OkAsync($"wait -n {ns} --for=condition=Ready pod/vm --timeout=60s");
        Assert.Equal(qemu, fx.QemuPid(uid));
        Assert.Equal("0", (await fx.Kubectl.OkAsync($"get pod vm -n {ns} -o jsonpath={{.status.containerStatuses[0].restartCount}}")).Trim());
        Assert.Contains("adopted 1 container(s)", File.ReadAllText(fx.Berth.LogPath), StringComparison.Ordinal);
        Assert.Equal(["container ct", "vm vm"], await AnswersAsync($"http://{clusterIp}/", 30));

        // kill -9 of QEMU: restartPolicy Always restarts the VM in the same pod, as a container would be.
        Process.GetProcessById(qemu).Kill();
        await fx.WaitJsonPathAsync($"pod vm -n {ns}", ".status.containerStatuses[0].restartCount", s => s == "1", "a restart", TimeSpan.FromSeconds(60));
        await fx.Kubectl.OkAsync($"wait -n {ns} --for=condition=Ready pod/vm --timeout=120s");
        var last = JsonNode.Parse(await fx.Kubectl.OkAsync($"get pod vm -n {ns} -o json"))!["status"]!["containerStatuses"]![0]!["lastState"]!["terminated"]!;
        Assert.Equal((137, "Killed"), ((int)last["exitCode"]!, (string?)last["reason"]));
        Assert.Contains("berth-guest: ready", await fx.Kubectl.OkAsync($"logs vm -n {ns} --previous"), StringComparison.Ordinal);
        Assert.NotEqual(qemu, fx.QemuPid(uid));

        // Deleting the pod powers the guest off; nothing of it stays.
        var ctUid = (await fx.Kubectl.OkAsync($"get pod ct -n {ns} -o jsonpath={{.metadata.uid}}")).Trim();
        await fx.Kubectl.OkAsync($"delete namespace {ns} --wait=true --timeout=120s");
        Assert.Empty(fx.QemuPids());
        Assert.Empty(await fx.LeftoversOfPodAsync(uid));
        Assert.Empty(await fx.LeftoversOfPodAsync(ctUid));
        Assert.Equal("", await fx.BridgePortsAsync());
    }

    /// <summary>Waits for the VMI `web` (a new one when <paramref name="previousVmi"/> is given) to run; returns its pod and IP.</summary>
    private async Task<(string Pod, string Ip)> RunningAsync(string ns, string? previousVmi)
    {
        await fx.WaitJsonPathAsync($"vmi web -n {ns}", ".metadata.uid}/{.status.phase",
            s => s.EndsWith("/Running", StringComparison.Ordinal) && (previousVmi is null || !s.StartsWith(previousVmi, StringComparison.Ordinal)),
            "the VMI Running", Boot);
        var ip = (await fx.Kubectl.OkAsync($"get vmi web -n {ns} -o jsonpath={{.status.interfaces[0].ipAddress}}")).Trim();
        var vmiUid = (await fx.Kubectl.OkAsync($"get vmi web -n {ns} -o jsonpath={{.metadata.uid}}")).Trim();
        var pod = (await fx.Kubectl.OkAsync($"get pods -n {ns} -l kubevirt.io/created-by={vmiUid} -o jsonpath={{.items[0].metadata.name}}")).Trim();
        return (pod, ip);
    }

    /// <summary>The distinct bodies of <paramref name="n"/> requests (each a new connection: the proxy picks per connection).</summary>
    private static async Task<List<string>> AnswersAsync(string url, int n)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
        {
            using var http = new HttpClient(new HttpClientHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
            seen.Add((await http.GetStringAsync(url)).Trim());
        }

        return [.. seen];
    }
}
