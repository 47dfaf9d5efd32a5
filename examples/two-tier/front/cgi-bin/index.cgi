#!/bin/sh
# The front tier's answer to GET /: it calls the back tier by its Service name (cluster DNS, then the Service's
# virtual IP) and says what the name resolved to and what the back answered. 502 when the back cannot be reached.
# POD_NAME and POD_IP come from the downward API (see two-tier.yaml); BACK_URL may override the address called.
url="${BACK_URL:-http://back/}"
host="${url#http://}"; host="${host%%/*}"; host="${host%%:*}"
resolved="$(nslookup "$host" 2>/dev/null | sed -n 's/^Address:[[:space:]]*\([0-9.]*\)$/\1/p' | tail -n 1)"
answer="$(timeout 5 wget -q -O - "$url" 2>&1)"
rc=$?
# busybox httpd honours a Status header only as the first line.
[ "$rc" -eq 0 ] || echo "Status: 502 Bad Gateway"
echo "Content-Type: text/plain"
echo
echo "front: pod=$POD_NAME ip=$POD_IP"
echo "called: $url ($host resolved to ${resolved:-nothing})"
if [ "$rc" -eq 0 ]; then
  echo "$answer"
else
  echo "back unreachable: ${answer:-timed out} (exit $rc)"
fi
