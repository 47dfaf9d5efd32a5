#!/usr/bin/env python3
"""Captures the protobuf request bodies kubectl sends, for the golden tests in this folder.

Usage: start a Berth (./berth up --data-dir /tmp/bt-pb --api-port 16555), then
    python3 capture.py /tmp/bt-pb/kubeconfig [OUTPUT_DIR]
For each command below it writes NAME.pb (the body kubectl POSTed) and NAME.json (what the same command
prints with --dry-run=client -o json). kubectl talks to a recorder on 127.0.0.1:16556 that forwards
discovery and every non-protobuf request to Berth, and answers a protobuf request itself by echoing the
body with 201, so kubectl is satisfied without Berth decoding anything.
"""
import base64
import http.server
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request

COMMANDS = {
    "namespace": ["create", "namespace", "x"],
    "configmap": ["create", "configmap", "c", "--from-literal=a=b"],
    "configmap-file": ["create", "configmap", "cf", "--from-file={tmp}/notes.txt", "--from-literal=x=y"],
    "configmap-binary": ["create", "configmap", "cb", "--from-file=bin.dat={tmp}/bin.dat"],
    "secret": ["create", "secret", "generic", "s", "--from-literal=p=q"],
    "secret-docker": ["create", "secret", "docker-registry", "reg", "--docker-server=r.example", "--docker-username=u", "--docker-password=p"],
    "deployment": ["create", "deployment", "d", "--image=busybox", "--replicas=2"],
    "deployment-port": ["create", "deployment", "dp", "--image=nginx", "--image=busybox", "--port=80"],
    "service": ["create", "service", "clusterip", "s", "--tcp=80:8080"],
    "service-nodeport": ["create", "service", "nodeport", "np", "--tcp=80:8080", "--node-port=30080"],
    "service-externalname": ["create", "service", "externalname", "en", "--external-name=example.com"],
    "job": ["create", "job", "j", "--image=busybox"],
    "job-command": ["create", "job", "jj", "--image=busybox", "{dryrun}", "--", "echo", "hi"],
    "cronjob": ["create", "cronjob", "c", "--image=busybox", "--schedule=*/1 * * * *"],
    "serviceaccount": ["create", "serviceaccount", "sa"],
    "token": ["create", "token", "sa"],  # no dry-run form
}


def main():
    kubeconfig = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    tmp = tempfile.mkdtemp(prefix="bt-capture-")
    config = open(kubeconfig).read()
    server = re.search(r"server: (\S+)", config).group(1)
    for key, name in (("client-certificate-data", "cert.pem"), ("client-key-data", "key.pem"), ("certificate-authority-data", "ca.pem")):
        open(os.path.join(tmp, name), "wb").write(base64.b64decode(re.search(key + r": (\S+)", config).group(1)))
    ctx = ssl.create_default_context(cafile=os.path.join(tmp, "ca.pem"))
    ctx.load_cert_chain(os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem"))
    open(os.path.join(tmp, "notes.txt"), "w", encoding="utf-8").write('line one\nzwei: \u00fc \u20ac\n\ttabbed "quoted"\n')
    open(os.path.join(tmp, "bin.dat"), "wb").write(b"\x00\x01\xffbin")
    captured = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_any(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else None
            if "protobuf" in self.headers.get("Content-Type", ""):
                captured.append(body)
                self.send_response(201)
                self.send_header("Content-Type", "application/vnd.kubernetes.protobuf")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            req = urllib.request.Request(server + self.path, data=body, method=self.command)
            for k, v in self.headers.items():
                if k.lower() not in ("host", "content-length", "connection", "accept-encoding"):
                    req.add_header(k, v)
            try:
                resp = urllib.request.urlopen(req, context=ctx)
            except urllib.error.HTTPError as e:
                resp = e
            data = resp.read()
            self.send_response(resp.status)
            for k, v in resp.headers.items():
                if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 16556), Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    recorder_config = os.path.join(tmp, "kubeconfig")
    open(recorder_config, "w").write(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: rec\n  cluster:\n    server: http://127.0.0.1:16556\n"
        "contexts:\n- name: rec\n  context: {cluster: rec, user: rec, namespace: default}\ncurrent-context: rec\n"
        "users:\n- name: rec\n  user: {}\n")
    env = dict(os.environ, KUBECONFIG=recorder_config)
    try:
        for name, args in COMMANDS.items():
            args = [a.replace("{tmp}", tmp) for a in args]
            captured.clear()
            subprocess.run(["kubectl"] + [a for a in args if a != "{dryrun}"], env=env, check=False, capture_output=True)
            if len(captured) != 1:
                raise SystemExit("%s: expected one protobuf body, got %d" % (name, len(captured)))
            open(os.path.join(out, name + ".pb"), "wb").write(captured[0])
            if name != "token":
                dry = [a if a != "{dryrun}" else "--dry-run=client" for a in args]
                if "{dryrun}" not in args:
                    dry += ["--dry-run=client"]
                dry[dry.index("--dry-run=client") + 1:dry.index("--dry-run=client") + 1] = ["-o", "json"]
                result = subprocess.run(["kubectl"] + dry, env=env, check=True, capture_output=True)
                open(os.path.join(out, name + ".json"), "wb").write(result.stdout)
            print("captured", name)
    finally:
        httpd.shutdown()


if __name__ == "__main__":
    main()
