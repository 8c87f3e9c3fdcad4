#!/usr/bin/env bash
# Fetches DJL's PyTorch native libraries of one flavor (cu128 for PyTorch 2.7.1 on CUDA 12.8) into
# a DJL engine cache directory, plus the matching JNI library taken from dualign.jar, so that
# executors start with -Dai.djl.offline=true and download nothing. Run at image build time
# (docker/Dockerfile) or once per bare-metal GPU node; never at run time.
#
# Usage: fetch-djl-natives.sh <dualign.jar> <cache-dir>
# Environment (defaults in brackets):
#   PYTORCH_VERSION [2.7.1]  must equal the pytorch_version the jar was built with
#   PYTORCH_FLAVOR  [cu128]  DJL flavor directory (cu128, cpu, ...)
#   DJL_CLASSIFIER  [linux-x86_64]
#   DJL_PUBLISH_URL [https://publish.djl.ai/pytorch]  where DJL publishes its native builds
# Result: <cache-dir>/pytorch/<version>-<flavor>-<classifier>/ holding libtorch.so and friends and
# <djl-version>-libdjl_torch.so: the layout DJL's LibUtils looks for. Point DJL at it with
#   DJL_CACHE_DIR=<cache-dir> PYTORCH_LIBRARY_PATH=<that folder> PYTORCH_VERSION=<version>
#   PYTORCH_FLAVOR=<flavor>
set -euo pipefail

me="fetch-djl-natives.sh"
die() { echo "$me: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $me <dualign.jar> <cache-dir>"
jar=$1
cache=$2
version=${PYTORCH_VERSION:-2.7.1}
flavor=${PYTORCH_FLAVOR:-cu128}
classifier=${DJL_CLASSIFIER:-linux-x86_64}
base=${DJL_PUBLISH_URL:-https://publish.djl.ai/pytorch}

[ -f "$jar" ] || die "jar $jar not found (build it first: mvn -B -DskipTests package)"
engine_props=$(unzip -p "$jar" pytorch-engine.properties 2>/dev/null) \
  || die "$jar holds no pytorch-engine.properties: not a dualign fat jar"
prop() { sed -n "s/^$1=//p" <<< "$engine_props" | tr -d '\r'; }
djl_version=$(prop djl_version)
jar_pytorch=$(prop pytorch_version)
[ -n "$djl_version" ] || die "$jar: pytorch-engine.properties has no djl_version"
[ "$jar_pytorch" = "$version" ] \
  || die "PYTORCH_VERSION=$version but $jar was built for PyTorch $jar_pytorch"

target="$cache/pytorch/$version-$flavor-$classifier"
[ -e "$target/libtorch.so" ] && die "$target already holds libtorch.so; remove it to fetch again"
mkdir -p "$cache/pytorch"
work=$(mktemp -d "$cache/pytorch/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT

index_url="$base/$version/files.txt"
curl -fsSL --retry 3 "$index_url" -o "$work/files.txt" || die "cannot read $index_url"
mkdir "$work/lib"
count=0
while IFS= read -r line || [ -n "$line" ]; do
  line=${line%$'\r'}
  case "$line" in
    "$flavor/$classifier/"*) ;;
    *) continue ;;
  esac
  [[ "$line" == *.gz ]] || die "unexpected entry in $index_url: '$line' (expected a .gz file)"
  encoded=${line##*/}
  encoded=${encoded%.gz}
  name=$(printf '%b' "${encoded//%/\\x}")
  [[ "$name" != */* && "$name" != .* && -n "$name" ]] || die "bad file name '$name' in '$line'"
  curl -fsSL --retry 3 "$base/$version/$line" -o "$work/download.gz" \
    || die "cannot download $base/$version/$line"
  gzip -dc "$work/download.gz" > "$work/lib/$name" || die "$line is not a valid gzip file"
  count=$((count + 1))
done < "$work/files.txt"
rm -f "$work/download.gz"

[ "$count" -gt 0 ] || die "$index_url lists no file for $flavor/$classifier"
[ -s "$work/lib/libtorch.so" ] || die "$index_url lists no libtorch.so for $flavor/$classifier"

jni="jnilib/$classifier/$flavor/libdjl_torch.so"
unzip -p "$jar" "$jni" > "$work/lib/$djl_version-libdjl_torch.so" 2>/dev/null \
  && [ -s "$work/lib/$djl_version-libdjl_torch.so" ] \
  || die "$jar holds no $jni (DJL $djl_version has no JNI library for $flavor/$classifier)"

mv "$work/lib" "$target"
echo "$me: $count native files of PyTorch $version ($flavor, $classifier) and the DJL $djl_version" \
  "JNI library in $target"
