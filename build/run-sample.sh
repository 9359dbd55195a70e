#!/usr/bin/env bash
# Runs the sample users API on local Redis and PostgreSQL that it starts itself; Ctrl+C stops everything.
# Options: --urls URL (default http://127.0.0.1:5080).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
urls="http://127.0.0.1:5080"
while [ $# -gt 0 ]; do
  case "$1" in
    --urls) urls="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

"$root/build/setup.sh"
data="$(mktemp -d /tmp/scalable-sample.XXXXXX)"
cleanup() { "$root/build/servers.sh" stop "$data"; rm -rf "$data"; }
trap cleanup EXIT
eval "$("$root/build/servers.sh" start "$data" "${SCALABLE_SAMPLE_REDIS_PORT:-6390}" "${SCALABLE_SAMPLE_PG_PORT:-5440}")"
echo "[sample] Redis at $SCALABLE_SAMPLE_REDIS, PostgreSQL at $SCALABLE_SAMPLE_POSTGRES"
echo "[sample] users API on $urls (Ctrl+C to stop)"
dotnet run --project samples/Scalable.Samples.UsersApi -c Release -- --urls "$urls"
