#!/usr/bin/env bash
# Prints "N passed, N failed[, N skipped]" from the .trx files of a test run: the folder and each run folder below it.
# A run folder's "expected-projects" file says how many test projects it ran; one with no results counts as a failure.
set -u
results="${1:?usage: test-summary.sh RESULTS_FOLDER}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
passed=0; failed=0; skipped=0
count() { grep -o "$1=\"[0-9]*\"" "$2" | head -n 1 | grep -o '[0-9]*'; }
shopt -s nullglob
for dir in "$results" "$results"/*/; do
  dir="${dir%/}"
  files=0
  for trx in "$dir"/*.trx; do
    files=$((files + 1))
    passed=$((passed + $(count passed "$trx")))
    failed=$((failed + $(count failed "$trx") + $(count error "$trx") + $(count timeout "$trx") + $(count aborted "$trx")))
    skipped=$((skipped + $(count notExecuted "$trx")))
  done
  expected=0
  [ -f "$dir/expected-projects" ] && expected=$(cat "$dir/expected-projects")
  if [ "$files" -lt "$expected" ]; then
    echo "FAILED $((expected - files)) test project(s) in $(basename "$dir") left no results (crashed or did not build)"
    failed=$((failed + expected - files))
  fi
done
if [ "$failed" -gt 0 ] && command -v python3 >/dev/null; then
  python3 "$root/build/test-failures.py" "$results"
fi
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
