#!/usr/bin/env bash
# Prints "N passed, N failed[, N skipped]" from the .trx files of a test run; a test project with no results counts as one failure.
set -u
results="${1:?usage: test-summary.sh RESULTS_FOLDER}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
passed=0; failed=0; skipped=0
count() { grep -o "$1=\"[0-9]*\"" "$2" | head -n 1 | grep -o '[0-9]*'; }
shopt -s nullglob
for trx in "$results"/*.trx; do
  passed=$((passed + $(count passed "$trx")))
  failed=$((failed + $(count failed "$trx") + $(count error "$trx") + $(count timeout "$trx") + $(count aborted "$trx")))
  skipped=$((skipped + $(count notExecuted "$trx")))
done
projects=$(ls "$root"/tests/*/*.Tests.csproj 2>/dev/null | wc -l)
files=$(ls "$results"/*.trx 2>/dev/null | wc -l)
if [ "$files" -lt "$projects" ]; then
  failed=$((failed + projects - files))
fi
if [ "$failed" -gt 0 ] && command -v python3 >/dev/null; then
  python3 "$root/build/test-failures.py" "$results"
fi
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
