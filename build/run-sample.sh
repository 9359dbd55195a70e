#!/usr/bin/env bash
# Runs the users API sample with everything it needs, on loopback:
#   - a dev-servers process (samples/Scalable.Samples.DevServers): Redis, one PostgreSQL server per shard, and a
#     Kafka-protocol broker that is a STAND-IN (librdkafka's mock cluster, not Kafka), shared by the processes below;
#   - the events consumer (the app with Sample:RunConsumer=true, on PORT+100);
#   - the API: one instance on PORT, or with --scale N, N instances on PORT+1..PORT+N behind nginx on PORT.
# It prints every server's address once the API answers, and stops everything on Ctrl+C.
# Options: --port P (5080), --scale N, --shards N (3), --standbys N (hot standbys per shard, 1), --log-level L (Warning), --rps N (per-client limit, 200),
#          and any --Sample:...=... / --Logging:... argument goes to every app process.
# Real servers instead of the stand-ins: docs in samples/Scalable.Samples.UsersApi/README.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
port=5080 scale=0 shards=3 standbys=1 level=Warning rps=200
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --scale) scale="$2"; shift 2 ;;
    --shards) shards="$2"; shift 2 ;;
    --standbys) standbys="$2"; shift 2 ;;
    --log-level) level="$2"; shift 2 ;;
    --rps) rps="$2"; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done
log() { printf '[sample] %s\n' "$*"; }

"$root/build/setup.sh" >/dev/null
export SCALABLE_TEST_TMP="${SCALABLE_TEST_TMP:-$(mktemp -d /tmp/scalable-sample.XXXXXX)}"
chmod 755 "$SCALABLE_TEST_TMP"
work="$SCALABLE_TEST_TMP"
# Every server and app runs in a session of its own (setsid), so Ctrl+C reaches only this script, which then stops them in
# order: nginx, then the app processes (they drain requests, finish their outbox batch, commit and leave the consumer
# group while Redis, PostgreSQL and Kafka still answer), then the servers.
dev_pid=""
app_pids=()
nginx_pid=""
cleanup() {
  set +e
  trap - EXIT INT TERM
  log "stopping"
  if [ -n "$nginx_pid" ]; then kill -TERM "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null; fi
  for pid in ${app_pids[@]+"${app_pids[@]}"}; do kill -TERM "$pid" 2>/dev/null; done
  for pid in ${app_pids[@]+"${app_pids[@]}"}; do wait "$pid" 2>/dev/null; done
  if [ -n "$dev_pid" ]; then kill -TERM "$dev_pid" 2>/dev/null; wait "$dev_pid" 2>/dev/null; fi
  "$root/build/stop-test-servers.sh" "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building"
dotnet build samples/Scalable.Samples.UsersApi -c Release -v:q --nologo >"$work/build.log" || { cat "$work/build.log"; exit 1; }
dotnet build samples/Scalable.Samples.DevServers -c Release -v:q --nologo >"$work/build.log" || { cat "$work/build.log"; exit 1; }
app="$root/samples/Scalable.Samples.UsersApi/bin/Release/net10.0/Scalable.Samples.UsersApi.dll"
dev="$root/samples/Scalable.Samples.DevServers/bin/Release/net10.0/Scalable.Samples.DevServers.dll"

log "starting Redis, $shards PostgreSQL servers with $standbys standby each and the Kafka stand-in"
setsid dotnet "$dev" --shards "$shards" --standbys "$standbys" >"$work/dev-servers.out" 2>&1 &
dev_pid=$!
for _ in $(seq 1 240); do
  grep -q '^READY$' "$work/dev-servers.out" 2>/dev/null && break
  kill -0 "$dev_pid" 2>/dev/null || { cat "$work/dev-servers.out"; exit 1; }
  sleep 0.5
done
grep -q '^READY$' "$work/dev-servers.out" || { log "dev servers did not start"; cat "$work/dev-servers.out"; exit 1; }
value() { grep "^$1=" "$work/dev-servers.out" | head -n 1 | cut -d= -f2-; }
args=(--Sample:Redis="$(value SAMPLE_REDIS)" --Sample:Kafka="$(value SAMPLE_KAFKA)" --Logging:LogLevel:Default="$level" --Sample:RequestsPerSecond="$rps")
for i in $(seq 0 $((shards - 1))); do args+=("--Sample:Shards:$i=$(value "SAMPLE_SHARD_$i")"); done
# Each shard's hot standbys (streaming replication), for replica reads: --standbys N (1; 0 for none).
while IFS='=' read -r name replica; do
  i="${name#SAMPLE_REPLICA_}"; args+=("--Sample:Replicas:${i%_*}:${i#*_}=$replica")
done < <(grep '^SAMPLE_REPLICA_' "$work/dev-servers.out" || true)

start_app() { # name port run-consumer
  ASPNETCORE_ENVIRONMENT=Production setsid dotnet "$app" --urls "http://127.0.0.1:$2" "${args[@]}" --Sample:RunConsumer="$3" ${extra[@]+"${extra[@]}"} >"$work/$1.log" 2>&1 &
  app_pids+=($!)
}
wait_ready() { # url
  for _ in $(seq 1 240); do
    curl -fs -o /dev/null "$1/health/ready" && return 0
    sleep 0.5
  done
  log "$1 did not become ready; logs in $work"; exit 1
}

start_app consumer $((port + 100)) true
api_urls=()
if [ "$scale" -gt 0 ]; then
  upstreams=""
  for i in $(seq 1 "$scale"); do
    start_app "api$i" $((port + i)) false
    api_urls+=("http://127.0.0.1:$((port + i))")
    upstreams+="    server 127.0.0.1:$((port + i)) max_fails=1 fail_timeout=2s;"$'\n'
  done
else
  start_app api $port false
  api_urls+=("http://127.0.0.1:$port")
fi
wait_ready "http://127.0.0.1:$((port + 100))"
for url in "${api_urls[@]}"; do wait_ready "$url"; done

if [ "$scale" -gt 0 ]; then
  mkdir -p "$work/nginx"/{client_body,proxy,fastcgi,uwsgi,scgi}
  chmod -R 777 "$work/nginx"
  awk -v dir="$work/nginx" -v port="$port" -v ups="$upstreams" \
    '{ gsub("@DIR@", dir); gsub("@PORT@", port); if ($0 ~ /@UPSTREAMS@/) { printf "%s", ups } else print }' \
    samples/nginx/users-api.conf.template >"$work/nginx/nginx.conf"
  setsid nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
  nginx_pid=$!
  wait_ready "http://127.0.0.1:$port"
fi

cat <<BANNER
[sample] ready. The API: http://127.0.0.1:$port$([ "$scale" -gt 0 ] && echo " (nginx, $scale instances: ${api_urls[*]})")
  Redis       $(value SAMPLE_REDIS)
$(for i in $(seq 0 $((shards - 1))); do echo "  shard$i      $(value "SAMPLE_SHARD_$i")"; grep "^SAMPLE_REPLICA_${i}_" "$work/dev-servers.out" | cut -d= -f2- | sed 's/^/    standby   /' || true; done)
  Kafka       $(value SAMPLE_KAFKA)   (stand-in: librdkafka mock cluster, not Kafka)
  consumer    http://127.0.0.1:$((port + 100))
  docs        http://127.0.0.1:$port/scalar/v1   health /health/ready   metrics /metrics
  logs        $work/*.log (level $level)
Try:
  curl -s -X POST http://127.0.0.1:$port/users -H 'content-type: application/json' -d '{"name":"Ada","email":"ada@example.com"}'
  curl -si http://127.0.0.1:$port/users/<id>
Ctrl+C stops everything.
BANNER
wait -n "$dev_pid" "${app_pids[@]}" ${nginx_pid:+"$nginx_pid"} || true
log "a process exited; logs in $work"
