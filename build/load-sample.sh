#!/usr/bin/env bash
# Load test of the users API sample with wrk: cached GET, uncached GET and POST through nginx with 1 and with 3 API
# instances (build/run-sample.sh --scale N, per-client rate limit raised so that it is checked but never hit), the same
# cached GET straight to one instance, and a bare Kestrel endpoint returning the same JSON as the baseline, in one run.
# Options (environment): DURATION (s, 10), CONNECTIONS (32), THREADS (2), PORT (5680). Prints a Markdown table.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
duration="${DURATION:-10}" connections="${CONNECTIONS:-32}" threads="${THREADS:-2}" port="${PORT:-5680}"
work="$(mktemp -d /tmp/scalable-load.XXXXXX)"
run_pid="" bare_pid=""
cleanup() {
  set +e
  if [ -n "$run_pid" ]; then kill -TERM "$run_pid" 2>/dev/null; wait "$run_pid" 2>/dev/null; fi
  if [ -n "$bare_pid" ]; then kill -TERM "$bare_pid" 2>/dev/null; wait "$bare_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
"$root/build/setup.sh" >/dev/null
results="$work/results.md"
echo "| target | instances | path | req/s | p50 | p99 | non-2xx |" >"$results"
echo "|---|---|---|---|---|---|---|" >>"$results"

load() { # label instances path url script
  local out="$work/wrk.out"
  IDS_FILE="$work/ids" wrk -t"$threads" -c"$connections" -d"${duration}s" --latency -s "build/load/$5" "$4" >"$out" 2>&1
  local rps p50 p99 bad
  rps="$(awk '/Requests\/sec/ {print $2}' "$out")"
  p50="$(awk '$1 == "50%" {print $2}' "$out")"
  p99="$(awk '$1 == "99%" {print $2}' "$out")"
  bad="$(awk '/Non-2xx/ {print $5}' "$out")"
  echo "| $1 | $2 | $3 | ${rps:-?} | ${p50:-?} | ${p99:-?} | ${bad:-0} |" | tee -a "$results"
}

wait_ready() { for _ in $(seq 1 240); do curl -fs -o /dev/null "$1/health/ready" && return 0; sleep 0.5; done; echo "$1 not ready"; exit 1; }

# The baseline: Kestrel alone, same JSON, same machine, same run.
dotnet build samples/Scalable.Samples.UsersApi -c Release -v:q --nologo >/dev/null
ASPNETCORE_ENVIRONMENT=Production dotnet samples/Scalable.Samples.UsersApi/bin/Release/net10.0/Scalable.Samples.UsersApi.dll --baseline --urls "http://127.0.0.1:$((port + 50))" >/dev/null 2>&1 &
bare_pid=$!
wait_ready "http://127.0.0.1:$((port + 50))"
uuidgen >"$work/ids" 2>/dev/null || python3 -c 'import uuid; print(uuid.uuid4())' >"$work/ids"
load "bare Kestrel (baseline)" 1 "direct" "http://127.0.0.1:$((port + 50))" get-cached.lua
kill -TERM "$bare_pid"; wait "$bare_pid" 2>/dev/null || true; bare_pid=""

for scale in 1 3; do
  ./build/run-sample.sh --scale "$scale" --port "$port" --rps 100000000 >"$work/run.out" 2>&1 &
  run_pid=$!
  for _ in $(seq 1 480); do grep -q 'ready. The API' "$work/run.out" && break; kill -0 "$run_pid" || { cat "$work/run.out"; exit 1; }; sleep 0.5; done
  url="http://127.0.0.1:$port"
  : >"$work/ids"
  for i in $(seq 1 200); do
    curl -fs -X POST "$url/users" -H 'content-type: application/json' -d "{\"name\":\"Warm $i\",\"email\":\"warm.$i@example.com\"}" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' >>"$work/ids"
  done
  while read -r id; do curl -fs -o /dev/null "$url/users/$id"; done <"$work/ids"
  load "cached GET" "$scale" nginx "$url" get-cached.lua
  if [ "$scale" = 1 ]; then load "cached GET" 1 "direct (no nginx)" "http://127.0.0.1:$((port + 1))" get-cached.lua; fi
  load "uncached GET (miss + shard read, 404)" "$scale" nginx "$url" get-uncached.lua
  load "POST (row + outbox event)" "$scale" nginx "$url" post.lua
  kill -TERM "$run_pid"; wait "$run_pid" 2>/dev/null || true; run_pid=""
done
echo
echo "wrk -t$threads -c$connections -d${duration}s, $(nproc) cores, $(date -u +%Y-%m-%d)"
cat "$results"
