#!/usr/bin/env bash
# Container entry point (the seed's quick start). Agents must reach the apiserver at OPERATOR_IP: refuse to start
# without one, or with a loopback address no host could reach. Runs the native apiserver when the image has one,
# else the JVM one. "startup.sh --health" is the image's health check.
set -euo pipefail

home=/opt/paas-operator
port="${QUARKUS_HTTP_PORT:-3334}"

if [ "${1:-}" = "--health" ]; then
  # Minimal images have no curl: a readiness request over bash's /dev/tcp.
  exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
  printf 'GET /q/health/ready HTTP/1.0\r\n\r\n' >&3
  IFS= read -r status <&3 || exit 1
  case "$status" in *" 200 "*) exit 0 ;; *) exit 1 ;; esac
fi

if [ -z "${OPERATOR_IP:-}" ]; then
  echo "startup.sh: OPERATOR_IP is not set: give the address agents reach the apiserver at (with a NodePort service, the node's IP)" >&2
  exit 64
fi
case "$OPERATOR_IP" in
  127.*|localhost|::1|0.0.0.0)
    echo "startup.sh: OPERATOR_IP=$OPERATOR_IP is a loopback address; agents on other hosts could never reach it" >&2
    exit 64
    ;;
esac
export OPERATOR_IP
export OPERATOR_PORT="${OPERATOR_PORT:-$port}"

if [ -x "$home/apiserver" ]; then
  exec "$home/apiserver" "$@"
fi
# JAVA_OPTS is a list of options by design: split on spaces.
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} -jar "$home/apiserver/quarkus-run.jar" "$@"
