#!/usr/bin/env bash
# Writes the shared Spark authentication secret of the compose cluster: one line
# "spark.authenticate.secret <64 hex digits>" in docker/secrets/spark-auth.properties (mode 0600,
# ignored by git). compose.yaml hands it to the master, the workers and the driver as a Docker
# secret; docker/entrypoint.sh passes it to Spark with --properties-file. Refuses to overwrite.
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/secrets"
file="$dir/spark-auth.properties"
[ -e "$file" ] && { echo "make-secret.sh: $file exists; delete it to make a new secret" >&2; exit 1; }
mkdir -p "$dir"
chmod 700 "$dir"
umask 022  # the file is readable inside the containers; the 0700 folder guards it on the host
secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
[ ${#secret} -eq 64 ] || { echo "make-secret.sh: could not read 32 random bytes" >&2; exit 1; }
printf 'spark.authenticate.secret %s\n' "$secret" > "$file"
echo "make-secret.sh: wrote $file"
