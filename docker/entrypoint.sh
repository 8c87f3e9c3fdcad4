#!/usr/bin/env bash
# Entry point of the dualign image. One of:
#   master                      a Spark standalone master (port 7077, UI 8080)
#   worker [master-url]         a Spark standalone worker whose GPUs gpu-discovery.sh reports
#   submit <stage> [args...]    spark-submit the dualign command (client mode) to DUALIGN_MASTER:
#                               spark-submit --class io.dualign.jobs.Dualign dualign.jar <stage> ...
#   driver | executor ...       Spark on Kubernetes (hands over to Spark's own entrypoint)
#
# Environment: SPARK_HOME [/opt/spark], DUALIGN_HOME [/opt/dualign] (dualign.jar, conf/,
#   jvm-flags.txt), DUALIGN_MASTER [spark://master:7077], DUALIGN_WORKER_GPUS [1],
#   DUALIGN_SPARK_SECRET_FILE: a file holding one line "spark.authenticate.secret <secret>"
#   (a Docker secret; make it with docker/make-secret.sh). Required by master, worker and submit:
#   the secret reaches Spark as --properties-file, never through a command line or a config here.
set -euo pipefail

me="dualign entrypoint"
die() { echo "$me: $*" >&2; exit 2; }

SPARK_HOME=${SPARK_HOME:-/opt/spark}
DUALIGN_HOME=${DUALIGN_HOME:-/opt/dualign}
jar="$DUALIGN_HOME/dualign.jar"
flags_file="$DUALIGN_HOME/jvm-flags.txt"

secret_file() {
  local f=${DUALIGN_SPARK_SECRET_FILE:-}
  [ -n "$f" ] || die "DUALIGN_SPARK_SECRET_FILE is not set: Spark authentication needs the shared" \
    "secret file (docker/make-secret.sh writes one; compose mounts it as a secret)"
  [ -f "$f" ] && [ -r "$f" ] || die "DUALIGN_SPARK_SECRET_FILE=$f is not a readable file"
  grep -Eq '^[[:space:]]*spark\.authenticate\.secret[[:space:]=:]+[^[:space:]]' "$f" \
    || die "$f holds no 'spark.authenticate.secret <value>' line (docker/make-secret.sh writes one)"
  echo "$f"
}

jvm_flags() {
  [ -f "$flags_file" ] || die "$flags_file not found (the image copies jobs/target/launcher/jvm-flags.txt)"
  cat "$flags_file"
}

# Settings every daemon of the cluster must share with the applications (same secret, same RPC
# encryption); applications take theirs from spark-defaults.conf.
daemon_security="-Dspark.authenticate=true -Dspark.network.crypto.enabled=true"

[ $# -ge 1 ] || die "usage: entrypoint.sh master | worker [master-url] | submit <stage> [args...] | driver | executor"
role=$1
shift
case "$role" in
  master)
    secret=$(secret_file)
    export SPARK_DAEMON_JAVA_OPTS="$(jvm_flags) ${SPARK_DAEMON_JAVA_OPTS:-}"
    export SPARK_MASTER_OPTS="$daemon_security ${SPARK_MASTER_OPTS:-}"
    exec "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master \
      --host "${DUALIGN_MASTER_HOST:-$(hostname)}" --port 7077 --webui-port 8080 \
      --properties-file "$secret" "$@"
    ;;
  worker)
    secret=$(secret_file)
    master=${1:-${DUALIGN_MASTER:-spark://master:7077}}
    [ $# -ge 1 ] && shift
    export SPARK_DAEMON_JAVA_OPTS="$(jvm_flags) ${SPARK_DAEMON_JAVA_OPTS:-}"
    export SPARK_WORKER_OPTS="$daemon_security -Dspark.worker.resource.gpu.amount=${DUALIGN_WORKER_GPUS:-1} -Dspark.worker.resource.gpu.discoveryScript=$DUALIGN_HOME/conf/gpu-discovery.sh ${SPARK_WORKER_OPTS:-}"
    exec "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker \
      --webui-port 8081 --properties-file "$secret" "$@" "$master"
    ;;
  submit)
    [ $# -ge 1 ] || die "submit needs a dualign stage, e.g. 'submit demo' or 'submit pipeline --run-dir /runs/r1'"
    secret=$(secret_file)
    [ -f "$jar" ] || die "$jar not found"
    driver_host=${DUALIGN_DRIVER_HOST:-$(hostname -i 2>/dev/null | cut -d' ' -f1)}
    exec "$SPARK_HOME/bin/spark-submit" \
      --master "${DUALIGN_MASTER:-spark://master:7077}" --deploy-mode client \
      --properties-file "$secret" --load-spark-defaults \
      --conf "spark.driver.host=$driver_host" --conf spark.driver.bindAddress=0.0.0.0 \
      --driver-java-options "$(jvm_flags) -Dlog4j2.configurationFile=$DUALIGN_HOME/conf/log4j2.properties" \
      --class io.dualign.jobs.Dualign "$jar" "$@"
    ;;
  driver|executor)
    exec "$SPARK_HOME/kubernetes/dockerfiles/spark/entrypoint.sh" "$role" "$@"
    ;;
  *)
    die "unknown role '$role': use master, worker, submit, driver or executor"
    ;;
esac
