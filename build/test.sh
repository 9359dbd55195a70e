#!/usr/bin/env bash
# Runs every test against real servers on loopback; installs what is missing first; safe to run twice.
# Two runs, both counted in the summary:
#   1. every test project on the clients the tests pin (StackExchange.Redis 2.13.23, Confluent.Kafka 2.16.0);
#   2. the Redis-backed package suites (Caching, Resilience) again on StackExchange.Redis 3.x (the sample runs on 3.x in
#      run 1 already: the consumer-app test builds an app on the packed packages with StackExchange.Redis 3.4.35).
# Extra arguments go to both `dotnet test` runs (for example: --filter "FullyQualifiedName~Caching").
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/build/setup.sh" || exit 1

# Test servers keep their data under this folder; whatever a crashed test host leaves is stopped here.
export SCALABLE_TEST_TMP="${SCALABLE_TEST_TMP:-$(mktemp -d /tmp/scalable-tests.XXXXXX)}"
chmod 755 "$SCALABLE_TEST_TMP"
cleanup() { "$root/build/stop-test-servers.sh" "$SCALABLE_TEST_TMP"; }
trap cleanup EXIT

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"
run_tests() { # $1: results folder, $2..: dotnet test arguments before the common ones
  local dir="$1"; shift
  dotnet test "$@" -c Release --no-build -nologo \
    --logger "trx" --logger "console;verbosity=normal" --results-directory "$dir" \
    --blame-hang-timeout 8m ${extra[@]+"${extra[@]}"}
}
extra=("$@")
rc=0

echo "[test] run 1: every test project"
dotnet build Scalable.sln -c Release -nologo -clp:NoSummary -v:q || { echo "build failed"; exit 1; }
ls tests/*/*.Tests.csproj | wc -l > "$results/expected-projects"
# One test project at a time (-m:1): the outage and saturation tests own real servers and count what happens in
# wall time, and on 2 cores they should not compete with another project's servers. Classes inside a project still
# run in parallel.
run_tests "$results" Scalable.sln -m:1 || rc=1

redis3="3.4.35"
redis3_projects=(tests/Scalable.Caching.Tests tests/Scalable.Resilience.Tests)
echo "[test] run 2: the Redis-backed package suites on StackExchange.Redis $redis3"
mkdir -p "$results/redis-$redis3"
echo "${#redis3_projects[@]}" > "$results/redis-$redis3/expected-projects"
for project in "${redis3_projects[@]}"; do
  dotnet build "$project" -c Release -nologo -clp:NoSummary -v:q -p:ScalableRedisClientRun="$redis3" \
    || { echo "build failed: $project on StackExchange.Redis $redis3"; rc=1; continue; }
  run_tests "$results/redis-$redis3" "$project" -p:ScalableRedisClientRun="$redis3" || rc=1
done

"$root/build/test-summary.sh" "$results"
exit $rc
