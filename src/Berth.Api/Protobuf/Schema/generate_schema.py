#!/usr/bin/env python3
"""Generates Berth's protobuf schema (kubernetes.pbschema) from a kubectl binary.

Usage: python3 generate_schema.py /usr/lib/google-cloud-sdk/bin/kubectl.1.33 > kubernetes.pbschema

Why a kubectl binary: it is the one place on a machine of this project that holds, for one exact
Kubernetes release, both halves of what a decoder needs:
  1. the compiled upstream generated.proto files (k8s.io/api, k8s.io/apimachinery): gogo-protobuf
     registers each one as a gzipped FileDescriptorProto, which gives message names, field numbers,
     wire types, repeated/map and the gogoproto options (nullable=false = a non-pointer Go field);
  2. the Go structs those messages are generated from (Go keeps struct field names, types and tags
     for reflection), which give what protobuf cannot: the JSON name, `omitempty`, `,inline`
     embedding and pointer-ness, i.e. how kube-apiserver would write the decoded object as JSON.
Nothing is copied from the .proto files but names and numbers; the output is Berth's own format
(see docs/protobuf.md). Reads ELF amd64 Go binaries built by go1.21..go1.24 (internal/abi layout).
"""
import json
import re
import struct
import subprocess
import sys
import zlib

# (JSON group/version, protobuf package, short alias) of the groups Berth decodes.
GROUPS = [
    ("v1", "k8s.io.api.core.v1", "core.v1"),
    ("apps/v1", "k8s.io.api.apps.v1", "apps.v1"),
    ("batch/v1", "k8s.io.api.batch.v1", "batch.v1"),
    ("policy/v1", "k8s.io.api.policy.v1", "policy.v1"),
    ("autoscaling/v1", "k8s.io.api.autoscaling.v1", "autoscaling.v1"),
    ("authentication.k8s.io/v1", "k8s.io.api.authentication.v1", "authentication.v1"),
    ("coordination.k8s.io/v1", "k8s.io.api.coordination.v1", "coordination.v1"),
    ("discovery.k8s.io/v1", "k8s.io.api.discovery.v1", "discovery.v1"),
    ("networking.k8s.io/v1", "k8s.io.api.networking.v1", "networking.v1"),
    ("node.k8s.io/v1", "k8s.io.api.node.v1", "node.v1"),
    ("storage.k8s.io/v1", "k8s.io.api.storage.v1", "storage.v1"),
    ("meta.k8s.io/v1", "k8s.io.apimachinery.pkg.apis.meta.v1", "meta.v1"),
    ("-", "k8s.io.apimachinery.pkg.runtime", "runtime"),
    ("-", "k8s.io.apimachinery.pkg.util.intstr", "intstr"),
    ("-", "k8s.io.apimachinery.pkg.api.resource", "resource"),
]

# Messages whose Go type has its own JSON form (MarshalJSON) and protobuf form (Marshal).
SPECIAL = {
    "k8s.io.apimachinery.pkg.apis.meta.v1.Time": "time",
    "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime": "microtime",
    "k8s.io.apimachinery.pkg.apis.meta.v1.Duration": "duration",
    "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1": "fieldsv1",
    "k8s.io.apimachinery.pkg.runtime.RawExtension": "rawextension",
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": "intorstring",
    "k8s.io.apimachinery.pkg.api.resource.Quantity": "quantity",
    "k8s.io.apimachinery.pkg.api.resource.QuantityValue": "quantity",
    # Named []string types: protobuf wraps them in a message {repeated string items = 1}; JSON is the array.
    "k8s.io.api.authentication.v1.ExtraValue": "stringlist",
    "k8s.io.apimachinery.pkg.apis.meta.v1.Verbs": "stringlist",
}

PROTO_TYPES = {1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 8: "bool", 9: "string",
               12: "bytes", 13: "uint32", 11: "message"}


# ---- protobuf wire format, enough to read FileDescriptorProto ----

def varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def fields(b):
    i, out = 0, []
    while i < len(b):
        k, i = varint(b, i)
        f, w = k >> 3, k & 7
        if w == 0:
            v, i = varint(b, i)
        elif w == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        elif w == 1:
            v, i = b[i:i + 8], i + 8
        elif w == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % w)
        out.append((f, v))
    return out


def descriptors(data):
    """Every gzipped FileDescriptorProto whose name ends in .proto, by file name."""
    res = {}
    for m in re.finditer(rb"\x1f\x8b\x08\x00\x00\x00\x00\x00", data):
        try:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[m.start():m.start() + 4_000_000])
            fs = fields(d)
        except Exception:
            continue
        names = [v for f, v in fs if f == 1]
        if d.startswith(b"\x0a") and names and names[0].endswith(b".proto"):
            res[names[0].decode()] = fs
    return res


def message(fs, prefix):
    name = next(v.decode() for f, v in fs if f == 1)
    full = prefix + "." + name
    msg = {"name": full, "fields": [], "map_entry": False, "nested": {}}
    for f, v in fs:
        if f == 2:
            fd = {"options": b""}
            for ff, vv in fields(v):
                if ff == 1:
                    fd["name"] = vv.decode()
                elif ff == 3:
                    fd["number"] = vv
                elif ff == 4:
                    fd["label"] = vv
                elif ff == 5:
                    fd["type"] = vv
                elif ff == 6:
                    fd["type_name"] = vv.decode().lstrip(".")
                elif ff == 8:
                    fd["options"] = vv
            # gogoproto.nullable (65001) = false: the Go field is not a pointer.
            fd["nullable"] = (65001, 0) not in fields(fd["options"])
            msg["fields"].append(fd)
        elif f == 3:
            n = message(fields(v), full)
            msg["nested"][n["name"]] = n
        elif f == 7:
            msg["map_entry"] = any(ff == 7 and vv == 1 for ff, vv in fields(v))
    return msg


# ---- Go runtime type data (internal/abi) ----

class GoBinary:
    KIND_PTR, KIND_SLICE, KIND_ARRAY, KIND_MAP, KIND_STRUCT, KIND_IFACE = 22, 23, 17, 21, 25, 20

    def __init__(self, data):
        self.d = data
        shoff, = struct.unpack_from("<Q", data, 0x28)
        entsize, num, strndx = struct.unpack_from("<HHH", data, 0x3A)
        secs = [struct.unpack_from("<IIQQQQ", data, shoff + i * entsize) for i in range(num)]
        stroff = secs[strndx][4]
        self.sections = {}
        for nm, typ, _, addr, off, size in secs:
            name = data[stroff + nm:data.index(b"\0", stroff + nm)].decode()
            if typ != 8:  # not NOBITS
                self.sections[name] = (addr, off, size)
        # runtime.types (the base of every nameOff/typeOff) is the start of .rodata in an ELF Go binary.
        self.types = self.sections[".rodata"][0]

    def off(self, addr):
        for a, o, sz in self.sections.values():
            if a <= addr < a + sz:
                return addr - a + o
        raise ValueError("address %x" % addr)

    def u64(self, a):
        return struct.unpack_from("<Q", self.d, self.off(a))[0]

    def i32(self, a):
        return struct.unpack_from("<i", self.d, self.off(a))[0]

    def u8(self, a):
        return self.d[self.off(a)]

    def name(self, a):
        """abi.Name: flags byte, varint length, bytes, [varint length, tag]. Returns (name, tag, embedded)."""
        o = self.off(a)
        flags = self.d[o]
        n, o = varint(self.d, o + 1)
        nm = self.d[o:o + n].decode("utf-8", "replace")
        o += n
        tag = ""
        if flags & 2:
            n, o = varint(self.d, o)
            tag = self.d[o:o + n].decode("utf-8", "replace")
        return nm, tag, bool(flags & 8)

    def kind(self, t):
        return self.u8(t + 23) & 0x1F

    def type_name(self, t):
        nm = self.name(self.types + self.i32(t + 40))[0]
        return nm[1:] if self.u8(t + 20) & 2 else nm  # TFlagExtraStar

    def pkg_path(self, t):
        if not self.u8(t + 20) & 1:  # TFlagUncommon
            return None
        k = self.kind(t)
        if k in (self.KIND_STRUCT, self.KIND_IFACE):
            at = 80
        elif k in (self.KIND_PTR, self.KIND_SLICE):
            at = 56
        elif 1 <= k <= 16 or k == 24:
            at = 48
        else:
            return None
        return self.name(self.types + self.i32(t + at))[0]

    def describe(self, t):
        k = self.kind(t)
        if k == self.KIND_PTR:
            return "*" + self.describe(self.u64(t + 48))
        if k == self.KIND_SLICE:
            return "[]" + self.describe(self.u64(t + 48))
        if k == self.KIND_MAP:
            return "map[" + self.describe(self.u64(t + 48)) + "]" + self.describe(self.u64(t + 56))
        pp = self.pkg_path(t)
        return (pp + "." if pp else "") + self.type_name(t).split(".", 1)[-1]

    def structs(self):
        """Every struct type reachable from .typelink, by Go path: {"k8s.io/api/core/v1.Pod": [(field, type, tag, embedded)]}."""
        a, o, sz = self.sections[".typelink"]
        stack = [self.types + struct.unpack_from("<i", self.d, o + 4 * i)[0] for i in range(sz // 4)]
        seen, out = set(), {}
        while stack:
            t = stack.pop()
            if t in seen:
                continue
            seen.add(t)
            try:
                k = self.kind(t)
                if k in (self.KIND_PTR, self.KIND_SLICE, self.KIND_ARRAY):
                    stack.append(self.u64(t + 48))
                elif k == self.KIND_MAP:
                    stack += [self.u64(t + 48), self.u64(t + 56)]
                elif k == self.KIND_STRUCT:
                    fp, n = self.u64(t + 56), self.u64(t + 64)
                    fl = []
                    for i in range(n):
                        nm, tag, emb = self.name(self.u64(fp + 24 * i))
                        ft = self.u64(fp + 24 * i + 8)
                        fl.append((nm, ft, tag, emb))
                        stack.append(ft)
                    pp = self.pkg_path(t)
                    if pp:
                        out[pp + "." + self.type_name(t).split(".", 1)[-1]] = fl
                ptr = self.i32(t + 44)
                if ptr:
                    stack.append(self.types + ptr)
            except (ValueError, IndexError, struct.error):
                continue
        return out


def tag_part(tag, key):
    m = re.search(key + r':"([^"]*)"', tag)
    return m.group(1) if m else None


def main():
    data = open(sys.argv[1], "rb").read()
    descs = descriptors(data)
    go = GoBinary(data)
    gostructs = go.structs()
    alias = {pkg: al for _, pkg, al in GROUPS}

    def short(full):
        pkg, _, nm = full.rpartition(".")
        if pkg not in alias:
            raise SystemExit("message %s is outside the chosen packages" % full)
        return alias[pkg] + "." + nm

    messages = {}
    for gv, pkg, al in GROUPS:
        fname = [f for f, fs in descs.items() if any(k == 2 and v.decode() == pkg for k, v in fs)]
        if len(fname) != 1:
            raise SystemExit("no single descriptor for package %s: %s" % (pkg, fname))
        for f, v in descs[fname[0]]:
            if f == 4:
                m = message(fields(v), pkg)
                messages[m["name"]] = m

    out = []
    w = out.append
    w("# Berth protobuf schema: Kubernetes built-in kinds, for decoding application/vnd.kubernetes.protobuf.")
    version = json.loads(subprocess.run([sys.argv[1], "version", "--client", "-o", "json"], capture_output=True, check=True).stdout)["clientVersion"]
    w("# Generated by src/Berth.Api/Protobuf/Schema/generate_schema.py from kubectl %s; do not edit." % version["gitVersion"])
    w("# Names and numbers come from the upstream generated.proto files (k8s.io/api, k8s.io/apimachinery;")
    w("# Apache-2.0) at kubernetes/kubernetes@%s, as compiled into that kubectl. Format: docs/protobuf.md." % version["gitCommit"])
    for gv, pkg, al in GROUPS:
        w("package %s %s %s" % (al, pkg, gv))
    problems = 0
    for full in sorted(messages):
        m = messages[full]
        pkg, _, nm = full.rpartition(".")
        gopath = pkg.replace("k8s.io.api.", "k8s.io/api/").replace("k8s.io.apimachinery.", "k8s.io/apimachinery/").replace(".", "/") + "." + nm
        gopath = gopath.replace("k8s/io", "k8s.io")
        gofields = gostructs.get(gopath)
        special = SPECIAL.get(full)
        if gofields is None:
            if special:
                w("message %s %s" % (short(full), special))
                continue
            print("warning: no Go struct for %s (%s); skipped" % (full, gopath), file=sys.stderr)
            continue
        w("message %s%s" % (short(full), " " + special if special else ""))
        if special:
            continue
        bynum = {f["number"]: f for f in m["fields"]}
        used = set()
        for goname, gotype, tag, embedded in gofields:
            pb = tag_part(tag, "protobuf")
            js = tag_part(tag, "json")
            if pb is None or pb == "-":
                if js is not None and js != "-" and not (embedded and js.startswith(",")) and goname != "TypeMeta":
                    print("note: %s.%s has no protobuf field (json %r): absent from protobuf bodies" % (full, goname, js), file=sys.stderr)
                continue
            num = int(pb.split(",")[1])
            fd = bynum.get(num)
            if fd is None:
                print("error: %s.%s: protobuf field %d not in the descriptor" % (full, goname, num), file=sys.stderr)
                problems += 1
                continue
            used.add(num)
            jsparts = (js or "").split(",")
            jsname = jsparts[0] or goname
            inline = embedded and (js is None or jsparts[0] == "")
            omitempty = "omitempty" in jsparts[1:]
            desc = go.describe(gotype)
            flags = ""
            if fd["label"] == 3:
                entry = m["nested"].get(fd.get("type_name", ""))
                if entry and entry["map_entry"]:
                    kf, vf = entry["fields"][0], entry["fields"][1]
                    kt = PROTO_TYPES[kf["type"]]
                    vt = short(vf["type_name"]) if vf["type"] == 11 else PROTO_TYPES[vf["type"]]
                    typ = "map<%s,%s>" % (kt, vt)
                else:
                    typ = (short(fd["type_name"]) if fd["type"] == 11 else PROTO_TYPES[fd["type"]]) + "[]"
            else:
                typ = short(fd["type_name"]) if fd["type"] == 11 else PROTO_TYPES[fd["type"]]
                if desc.startswith("*"):
                    flags += "p"
                if desc.startswith("*") != fd["nullable"] and fd["type"] not in (11, 12):
                    print("error: %s.%s: Go %s but nullable=%s" % (full, goname, desc, fd["nullable"]), file=sys.stderr)
                    problems += 1
            if inline:
                flags += "i"
                if desc.startswith("*"):
                    print("error: %s.%s: inline pointer not supported" % (full, goname), file=sys.stderr)
                    problems += 1
            if omitempty:
                flags += "o"
            w(" %d %s %s%s" % (num, "-" if inline else jsname, typ, " " + flags if flags else ""))
        for num, fd in bynum.items():
            if num not in used:
                print("error: %s: descriptor field %d %s has no Go field" % (full, num, fd["name"]), file=sys.stderr)
                problems += 1
    print("\n".join(out))
    if problems:
        raise SystemExit("%d problems" % problems)


if __name__ == "__main__":
    main()
