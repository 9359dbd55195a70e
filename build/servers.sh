#!/usr/bin/env bash
# Starts (or stops) a local Redis and PostgreSQL for the sample, on loopback, with data under a folder.
#   build/servers.sh start FOLDER REDIS_PORT PG_PORT   -> prints export lines for the sample's settings
#   build/servers.sh stop FOLDER
set -euo pipefail
cmd="${1:?usage: servers.sh start|stop FOLDER [REDIS_PORT PG_PORT]}"
dir="${2:?folder}"
pg_bin="$(dirname "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")"
as_pg=()
[ "$(id -u)" = "0" ] && as_pg=(runuser -u postgres --)

case "$cmd" in
  start)
    redis_port="${3:-6390}"; pg_port="${4:-5440}"
    mkdir -p "$dir/redis" "$dir/pg"
    chmod 755 "$dir"
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --dir "$dir/redis" --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log" >/dev/null
    [ "$(id -u)" = "0" ] && chown postgres:postgres "$dir/pg"
    if [ ! -f "$dir/pg/PG_VERSION" ]; then
      "${as_pg[@]}" "$pg_bin/initdb" -D "$dir/pg" -U postgres -A trust --no-sync -E UTF8 --locale=C >/dev/null
    fi
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/pg" -l "$dir/pg/server.log" -w -t 60 \
      -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $dir/pg -c max_connections=200" start >/dev/null
    echo "export SCALABLE_SAMPLE_REDIS=127.0.0.1:$redis_port"
    echo "export SCALABLE_SAMPLE_POSTGRES='Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres'"
    ;;
  stop)
    [ -f "$dir/redis/redis.pid" ] && kill "$(cat "$dir/redis/redis.pid")" 2>/dev/null || true
    [ -f "$dir/pg/postmaster.pid" ] && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
