#!/usr/bin/env bash
# Container entry point (the seed's quick start). Agents must reach the apiserver at OPERATOR_IP: refuse to start
# without one, or with a loopback address no host could reach (unless PAAS_OPERATOR_IP_LOOPBACK=allow says that every
# host is this machine: a container on the host's network). Runs the native apiserver when the image has one, else
# the JVM one. "startup.sh --health" is the image's health check.
set -euo pipefail

home=/opt/paas-operator
port="${QUARKUS_HTTP_PORT:-3334}"
# The health check asks the address the API listens on: 127.0.0.1 when that is every interface.
health_host="${QUARKUS_HTTP_HOST:-0.0.0.0}"
[ "$health_host" = 0.0.0.0 ] && health_host=127.0.0.1

if [ "${1:-}" = "--health" ]; then
  # Minimal images have no curl: a readiness request over bash's /dev/tcp.
  exec 3<>"/dev/tcp/$health_host/$port" || exit 1
  printf 'GET /q/health/ready HTTP/1.0\r\n\r\n' >&3
  IFS= read -r status <&3 || exit 1
  case "$status" in *" 200 "*) exit 0 ;; *) exit 1 ;; esac
fi

if [ -z "${OPERATOR_IP:-}" ]; then
  echo "startup.sh: OPERATOR_IP is not set: give the address agents reach the apiserver at (with a NodePort service, the node's IP)" >&2
  exit 64
fi
case "$OPERATOR_IP" in
  0.0.0.0)
    echo "startup.sh: OPERATOR_IP=0.0.0.0 is no address an agent could report to" >&2
    exit 64
    ;;
  127.*|localhost|::1)
    if [ "${PAAS_OPERATOR_IP_LOOPBACK:-}" != allow ]; then
      echo "startup.sh: OPERATOR_IP=$OPERATOR_IP is a loopback address; agents on other hosts could never reach it" \
        "(PAAS_OPERATOR_IP_LOOPBACK=allow if every host is this machine)" >&2
      exit 64
    fi
    ;;
esac
export OPERATOR_IP
export OPERATOR_PORT="${OPERATOR_PORT:-$port}"

# The JVM image's apiserver/ is a directory (quarkus-app), executable too: test for a file.
if [ -f "$home/apiserver" ] && [ -x "$home/apiserver" ]; then
  exec "$home/apiserver" "$@"
fi
# The JVM options are jvm.options' (apiserver/jvm.options in the sources: why each, there) unless JAVA_OPTS is set; a
# list of options by design: split on spaces.
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-$(grep -v '^#' "$home/jvm.options")} -jar "$home/apiserver/quarkus-run.jar" "$@"
