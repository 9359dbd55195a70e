#!/usr/bin/env bash
# Runs the sample users API. With no servers configured it starts its own Redis, PostgreSQL (3 shard
# databases) and Kafka mock cluster on loopback, and stops them when it exits (Ctrl+C).
# Options: --urls URL (default http://127.0.0.1:5080); any other arguments go to the app, e.g.
#   --Sample:Redis=host:port --Sample:Shards:0="Host=..." --Sample:Kafka=host:9092
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
urls="http://127.0.0.1:5080"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --urls) urls="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

"$root/build/setup.sh"
export SCALABLE_TEST_TMP="${SCALABLE_TEST_TMP:-$(mktemp -d /tmp/scalable-sample.XXXXXX)}"
chmod 755 "$SCALABLE_TEST_TMP"
trap '"$root/build/stop-test-servers.sh" "$SCALABLE_TEST_TMP"' EXIT
echo "[sample] users API on $urls (Ctrl+C to stop). Try:"
echo "  curl -s -X POST $urls/users -H 'content-type: application/json' -d '{\"name\":\"Ada\",\"email\":\"ada@example.com\"}'"
dotnet run --project samples/Scalable.Samples.UsersApi -c Release -- --urls "$urls" ${args[@]+"${args[@]}"}
