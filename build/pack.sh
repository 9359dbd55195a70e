#!/usr/bin/env bash
# Packs the four libraries (.nupkg + .snupkg) into one folder, all with one version.
# Usage: build/pack.sh [--release | --version VERSION] [OUTPUT_DIR]
#   OUTPUT_DIR  where the packages go (default: artifacts/packages)
#   --version   the package version (or SCALABLE_PACKAGE_VERSION)
#   --release   exactly VersionPrefix from Directory.Build.props (the one place the version lives)
#   default     VersionPrefix-dev.<UTC yyyyMMddHHmmss>: a repack never hides behind NuGet's cached copy of an earlier one
# Builds in a scratch folder of its own, so packing never touches the bin/ and obj/ folders of a development build.
# Packs as a CI build: deterministic, /_/ paths in the PDBs, SourceLink and the repository commit from Git.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

version="${SCALABLE_PACKAGE_VERSION:-}"
release=false
output=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --version) version="${2:?--version needs a value}"; shift 2 ;;
    --version=*) version="${1#--version=}"; shift ;;
    --release) release=true; shift ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "pack.sh: unknown option $1" >&2; exit 2 ;;
    *) output="$1"; shift ;;
  esac
done
output="$(mkdir -p "${output:-$root/artifacts/packages}" && cd "${output:-$root/artifacts/packages}" && pwd)"

prefix="$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$root/Directory.Build.props")"
[[ -n "$prefix" ]] || { echo "pack.sh: no VersionPrefix in Directory.Build.props" >&2; exit 1; }
if [[ -z "$version" ]]; then
  if $release; then version="$prefix"; else version="$prefix-dev.$(date -u +%Y%m%d%H%M%S)"; fi
fi
# The build folder is inside the repository (artifacts/ is ignored by Git) and named by the version only, so the
# compiler maps every path in the PDBs, generated files included, to /_/ (no random temporary folder name in the binaries).
scratch="$root/artifacts/pack-build/$version"
rm -rf "$scratch"
trap 'rm -rf "$scratch"' EXIT
properties=("-p:Version=$version" "-p:ContinuousIntegrationBuild=true")
$release && properties+=("-p:ScalableRelease=true")
for package in Scalable.Caching Scalable.Sharding Scalable.Messaging Scalable.Resilience; do
  echo "[pack] $package $version"
  dotnet pack "$root/src/$package/$package.csproj" -c Release -nologo -v:q -clp:NoSummary -o "$output" \
    "-p:BaseIntermediateOutputPath=$scratch/obj/$package/" "-p:BaseOutputPath=$scratch/bin/$package/" \
    ${properties[@]+"${properties[@]}"}
done
ls "$output"/*."$version".nupkg "$output"/*."$version".snupkg
