#!/usr/bin/env bash
# Installs what the tests and the sample need on a brand-new machine; safe to run twice.
# Debian packages: redis-server, kcat (an independent Kafka client for manual checks), PostgreSQL 15 if its
# server binaries are missing. The native Kafka client (and its mock cluster) comes from NuGet's official
# librdkafka.redist with Confluent.Kafka, so nothing of Kafka is installed here.
set -euo pipefail
log() { printf '[setup] %s\n' "$*"; }

sudo_cmd=()
if [ "$(id -u)" != "0" ]; then sudo_cmd=(sudo); fi

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
# The sample's scale-out mode and its rolling-restart tests put nginx in front of the API; build/load-sample.sh uses wrk.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
# node + npm run the offline validation of the sample's Kubernetes manifests (deploy/validate).
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Debian does not put the PostgreSQL server binaries on PATH; the test fixtures look there too.
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
log "redis: $(redis-server --version | awk '{print $3}'), postgres: ${pg_bin:-on PATH}"
validate_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../deploy/validate" && pwd)"
if [ ! -d "$validate_dir/node_modules" ]; then
  log "installing the Kubernetes schema validator (deploy/validate, versions pinned in package-lock.json)"
  (cd "$validate_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
log "ready"
