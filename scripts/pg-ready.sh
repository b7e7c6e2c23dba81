#!/usr/bin/env bash
# Exit 0 when the PostgreSQL server in $1 accepts connections.
set -euo pipefail
url="$1"
hostport=$(printf '%s' "$url" | sed -E 's#^[a-z]+://([^@/]*@)?([^/?]+).*#\2#')
host=${hostport%:*}
port=${hostport##*:}
[ "$port" = "$hostport" ] && port=5432
if command -v pg_isready >/dev/null 2>&1; then
  pg_isready -q -h "$host" -p "$port" -t 5
else
  timeout 5 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
fi
