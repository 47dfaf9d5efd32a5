#!/bin/sh
# The back tier's answer to GET /: who answered (pod name and address) and who asked (the caller's address as the
# back sees it: a pod's own address when it came through the Service's virtual IP inside the cluster).
client="${REMOTE_ADDR#\[::ffff:}"  # httpd listens on IPv6 too: IPv4 peers come as [::ffff:a.b.c.d]
client="${client%\]}"
echo "Content-Type: text/plain"
echo
echo "back: pod=$POD_NAME ip=$POD_IP client=$client"
