# Reads a cloud-init NoCloud network-config (version 1 or 2, YAML) and prints one
# instruction per line for /etc/init.d/rcS to apply:
#   iface ID | mac ID MAC | name ID NAME | addr ID CIDR | dhcp4 ID | dhcp6 ID
#   gw ID IP | route ID DEST VIA | mtu ID N | dns IP | search DOMAIN
# Version 2: https://cloudinit.readthedocs.io/en/latest/reference/network-config-format-v2.html
# Version 1: https://cloudinit.readthedocs.io/en/latest/reference/network-config-format-v1.html
# Supported YAML: block mappings, block sequences ("- "), flow sequences ("[a, b]") and
# quoted scalars; not flow mappings, anchors or multi-line scalars. Runs under busybox awk.

function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t\r]+$/, "", s); return s }
function unquote(s) {
    s = trim(s)
    if (s ~ /^".*"$/ || s ~ /^'.*'$/) s = substr(s, 2, length(s) - 2)
    return s
}
function path(   p, i) {
    p = ""
    for (i = 1; i <= depth; i++) p = (p == "" ? fname[i] : p "." fname[i])
    return p
}
function put(p, v) {
    sub(/^network\./, "", p)
    if (!(p in F)) order[++n] = p
    F[p] = v
}
function emitvalue(p, v,   items, cnt, i, k) {
    v = trim(v)
    if (v ~ /^\[.*\]$/) {
        v = substr(v, 2, length(v) - 2)
        cnt = split(v, items, ",")
        k = 0
        for (i = 1; i <= cnt; i++) if (unquote(items[i]) != "") put(p "." k++, unquote(items[i]))
    } else {
        put(p, unquote(v))
    }
}
function pop_to(indent, dash) {
    while (depth > 0 && (findent[depth] > indent || (findent[depth] == indent && (!dash || fitem[depth])))) depth--
}
function prefix_of(mask,   parts, i, bits, o) {
    if (mask ~ /^[0-9]+$/) return mask
    split(mask, parts, ".")
    bits = 0
    for (i = 1; i <= 4; i++) {
        o = parts[i] + 0
        while (o > 0) { bits += o % 2; o = int(o / 2) }
    }
    return bits
}
function is_default(dest) { return dest == "default" || dest == "0.0.0.0/0" || dest == "::/0" }
function truthy(v) { return v == "true" || v == "yes" || v == "on" || v == "True" }

{
    line = $0
    sub(/\r$/, "", line)
    if (line ~ /^[ \t]*#/ || line ~ /^[ \t]*(---|\.\.\.)?[ \t]*$/) next
    sub(/[ \t]+#.*$/, "", line)
    match(line, /^ */)
    indent = RLENGTH
    text = substr(line, indent + 1)
    while (text ~ /^-( |$)/) {
        pop_to(indent, 1)
        p = path()
        idx = count[p]++
        depth++; findent[depth] = indent; fname[depth] = idx; fitem[depth] = 1
        text = substr(text, 2)
        match(text, /^ */)
        indent += 1 + RLENGTH
        text = substr(text, RLENGTH + 1)
    }
    if (text == "") next
    if (match(text, /^("[^"]*"|'[^']*'|[A-Za-z0-9_.\/-]+)[ \t]*:([ \t]|$)/)) {
        key = text
        sub(/[ \t]*:([ \t].*)?$/, "", key)
        key = unquote(key)
        value = trim(substr(text, RLENGTH + 1))
        pop_to(indent, 0)
        if (value == "") {
            depth++; findent[depth] = indent; fname[depth] = key; fitem[depth] = 0
        } else {
            p = path()
            emitvalue(p == "" ? key : p "." key, value)
        }
    } else {
        emitvalue(path(), text)
    }
}

END {
    if (F["version"] == "1" || ("config.0.type" in F)) v1(); else v2()
}

function v2(   i, p, parts, id, rest, seen, r, to, via) {
    for (i = 1; i <= n; i++) {
        p = order[i]
        if (p !~ /^ethernets\./) continue
        rest = substr(p, 11)
        id = rest; sub(/\..*$/, "", id)
        rest = substr(rest, length(id) + 2)
        if (!(id in seen)) { seen[id] = 1; print "iface " id }
        if (rest == "match.macaddress") print "mac " id " " tolower(F[p])
        else if (rest == "set-name" || rest == "match.name") print "name " id " " F[p]
        else if (rest ~ /^addresses\.[0-9]+$/) print "addr " id " " F[p]
        else if (rest == "mtu") print "mtu " id " " F[p]
        else if (rest == "dhcp4" && truthy(F[p])) print "dhcp4 " id
        else if (rest == "dhcp6" && truthy(F[p])) print "dhcp6 " id
        else if (rest == "gateway4" || rest == "gateway6") print "gw " id " " F[p]
        else if (rest ~ /^nameservers\.addresses\.[0-9]+$/) print "dns " F[p]
        else if (rest ~ /^nameservers\.search\.[0-9]+$/) print "search " F[p]
        else if (rest ~ /^routes\.[0-9]+\.via$/) {
            r = rest; sub(/\.via$/, "", r)
            to = F["ethernets." id "." r ".to"]
            via = F[p]
            if (is_default(to)) print "gw " id " " via
            else if (to != "") print "route " id " " to " " via
        }
    }
}

function v1(   i, p, c, s, id, base, sb, addr, t, k) {
    for (c = 0; ("config." c ".type") in F; c++) {
        base = "config." c
        t = F[base ".type"]
        if (t == "nameserver") {
            for (k = 0; (base ".address." k) in F; k++) print "dns " F[base ".address." k]
            for (k = 0; (base ".search." k) in F; k++) print "search " F[base ".search." k]
            continue
        }
        if (t != "physical") continue
        id = "cfg" c
        print "iface " id
        if ((base ".mac_address") in F) print "mac " id " " tolower(F[base ".mac_address"])
        if ((base ".name") in F) print "name " id " " F[base ".name"]
        if ((base ".mtu") in F) print "mtu " id " " F[base ".mtu"]
        for (s = 0; (base ".subnets." s ".type") in F; s++) {
            sb = base ".subnets." s
            t = F[sb ".type"]
            if (t == "dhcp" || t == "dhcp4") print "dhcp4 " id
            else if (t == "dhcp6") print "dhcp6 " id
            else if (t ~ /^static6?$/) {
                addr = F[sb ".address"]
                if (addr !~ /\//) addr = addr "/" (((sb ".netmask") in F) ? prefix_of(F[sb ".netmask"]) : (addr ~ /:/ ? 64 : 24))
                print "addr " id " " addr
                if ((sb ".gateway") in F) print "gw " id " " F[sb ".gateway"]
            }
            for (k = 0; (sb ".dns_nameservers." k) in F; k++) print "dns " F[sb ".dns_nameservers." k]
            for (k = 0; (sb ".dns_search." k) in F; k++) print "search " F[sb ".dns_search." k]
            for (k = 0; (sb ".routes." k ".gateway") in F; k++) {
                p = sb ".routes." k
                print "route " id " " F[p ".network"] "/" prefix_of(F[p ".netmask"]) " " F[p ".gateway"]
            }
        }
    }
}
