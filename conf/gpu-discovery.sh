#!/usr/bin/env bash
# GPU discovery script for Spark resource scheduling (spark.worker.resource.gpu.discoveryScript on
# standalone workers, spark.executor.resource.gpu.discoveryScript on YARN and Kubernetes).
#
# Prints Spark's resource JSON for the NVIDIA GPUs this process can see, e.g.
#   {"name":"gpu","addresses":["0","1"]}
# Addresses are the indices nvidia-smi reports (inside a container that was given one GPU, "0").
# Exits 1 with a message on stderr when nvidia-smi is absent, fails, reports no GPU, or prints an
# index that is not a number. Uses bash built-ins only.
set -uo pipefail

me="gpu-discovery.sh"
if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "$me: nvidia-smi not found on PATH ($PATH): this node has no NVIDIA driver utilities;" \
    "install the NVIDIA driver (and, in containers, the NVIDIA Container Toolkit) or do not" \
    "request GPUs (spark.*.resource.gpu.amount) for CPU nodes" >&2
  exit 1
fi

output=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>&1)
status=$?
if [ "$status" -ne 0 ]; then
  echo "$me: 'nvidia-smi --query-gpu=index --format=csv,noheader' failed with exit code" \
    "$status: $output" >&2
  exit 1
fi

addresses=""
while IFS= read -r line || [ -n "$line" ]; do
  index="${line//[[:space:]]/}"
  [ -z "$index" ] && continue
  if [[ ! "$index" =~ ^[0-9]+$ ]]; then
    echo "$me: nvidia-smi printed '$line' where a GPU index was expected" >&2
    exit 1
  fi
  addresses="${addresses:+$addresses,}\"$index\""
done <<< "$output"

if [ -z "$addresses" ]; then
  echo "$me: nvidia-smi found no GPU on this node" >&2
  exit 1
fi
echo "{\"name\":\"gpu\",\"addresses\":[$addresses]}"
