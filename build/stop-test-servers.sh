#!/usr/bin/env bash
# Stops any Redis or PostgreSQL server that a test run left under the given folder, then removes it.
set -u
dir="${1:?usage: stop-test-servers.sh FOLDER}"
[ -d "$dir" ] || exit 0
for pidfile in "$dir"/redis-*/owner.pid; do
  [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null
done
for pg in "$dir"/pg-*; do
  if [ -f "$pg/postmaster.pid" ]; then
    kill -9 "$(head -n 1 "$pg/postmaster.pid")" 2>/dev/null
  fi
done
rm -rf "$dir"
exit 0
