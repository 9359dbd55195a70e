#!/usr/bin/env bash
# Runs every test against real servers on loopback; installs what is missing first; safe to run twice.
# Extra arguments go to `dotnet test` (for example: --filter "FullyQualifiedName~Caching").
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

dotnet build Scalable.sln -c Release -nologo -clp:NoSummary -v:q || { echo "build failed"; exit 1; }
# One test project at a time (-m:1): the outage and saturation tests own real servers and count what happens in
# wall time, and on 2 cores they should not compete with another project's servers. Classes inside a project still
# run in parallel.
dotnet test Scalable.sln -c Release --no-build -nologo -m:1 \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" \
  --blame-hang-timeout 8m "$@"
rc=$?
"$root/build/test-summary.sh" "$results"
exit $rc
