#!/usr/bin/env bash
# Rewrites src/<Package>/PublicAPI.Unshipped.txt of the four packages to the public surface the code has now,
# minus what PublicAPI.Shipped.txt already lists. Run it after a deliberate change to a public API (or after
# merging branches that each added some), then review the diff of the Unshipped files: it is the API change.
# Usage: build/update-public-api.sh [Package...]    (default: all four; e.g. build/update-public-api.sh Scalable.Caching)
# How: empties each Unshipped list, builds the package with warnings left as warnings, and writes every symbol that the
# public API analyzer reports as undeclared (RS0016), sorted, under the "#nullable enable" header. A symbol listed
# in Shipped that is gone (RS0017) is printed, not removed: removing a shipped API is a breaking change to decide on.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
packages=("$@")
[[ ${#packages[@]} -eq 0 ]] && packages=(Scalable.Caching Scalable.Sharding Scalable.Messaging Scalable.Resilience)

for package in "${packages[@]}"; do
  folder="$root/src/$package"
  [[ -f "$folder/$package.csproj" ]] || { echo "update-public-api.sh: no project $folder/$package.csproj" >&2; exit 2; }
  [[ -f "$folder/PublicAPI.Shipped.txt" ]] || printf '#nullable enable\n' > "$folder/PublicAPI.Shipped.txt"
  printf '#nullable enable\n' > "$folder/PublicAPI.Unshipped.txt"
  log="$(mktemp)"
  # --no-incremental: the analyzer must see the emptied list even when nothing else changed.
  dotnet build "$folder/$package.csproj" -c Release -nologo -v:q -clp:NoSummary --no-incremental \
    -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= > "$log" 2>&1 || true
  if grep -q ': error ' "$log"; then
    echo "update-public-api.sh: $package does not compile; fix that first:" >&2
    grep ': error ' "$log" | sort -u >&2
    rm -f "$log"
    exit 1
  fi
  { printf '#nullable enable\n'
    grep -o "warning RS0016: Symbol '.*' is not part of the declared public API" "$log" \
      | sed -e "s/^warning RS0016: Symbol '//" -e "s/' is not part of the declared public API\$//" \
      | LC_ALL=C sort -u
  } > "$folder/PublicAPI.Unshipped.txt"
  grep -o "warning RS0017: .*" "$log" | sort -u | sed "s/^/[$package] shipped API gone: /" || true
  echo "[public-api] $package: $(($(wc -l < "$folder/PublicAPI.Unshipped.txt") - 1)) unshipped entries"
  rm -f "$log"
done
