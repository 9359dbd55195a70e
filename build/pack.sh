#!/usr/bin/env bash
# Packs the four libraries (.nupkg + .snupkg) into one folder, all with one version.
# Usage: build/pack.sh [--version VERSION] [OUTPUT_DIR]
#   OUTPUT_DIR  where the packages go (default: artifacts/packages)
#   --version   the package version (or SCALABLE_PACKAGE_VERSION); default: VersionPrefix in Directory.Build.props
# Builds in a scratch folder of its own, so packing never touches the bin/ and obj/ folders of a development build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

version="${SCALABLE_PACKAGE_VERSION:-}"
output=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --version) version="${2:?--version needs a value}"; shift 2 ;;
    --version=*) version="${1#--version=}"; shift ;;
    -h|--help) sed -n '2,6p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "pack.sh: unknown option $1" >&2; exit 2 ;;
    *) output="$1"; shift ;;
  esac
done
output="$(mkdir -p "${output:-$root/artifacts/packages}" && cd "${output:-$root/artifacts/packages}" && pwd)"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/scalable-pack.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

properties=()
[[ -n "$version" ]] && properties+=("-p:Version=$version")
for package in Scalable.Caching Scalable.Sharding Scalable.Messaging Scalable.Resilience; do
  echo "[pack] $package${version:+ $version}"
  dotnet pack "$root/src/$package/$package.csproj" -c Release -nologo -v:q -clp:NoSummary -o "$output" \
    "-p:BaseIntermediateOutputPath=$scratch/obj/$package/" "-p:BaseOutputPath=$scratch/bin/$package/" \
    ${properties[@]+"${properties[@]}"}
done
ls "$output"/*.nupkg "$output"/*.snupkg
