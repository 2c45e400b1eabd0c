#!/bin/sh
# Container entry point (the seed's quick start): agents must be able to reach the apiserver at OPERATOR_IP, so
# refuse to start without one, or with a loopback address no host could reach.
set -eu

if [ -z "${OPERATOR_IP:-}" ]; then
  echo "startup.sh: OPERATOR_IP is not set: give the address agents reach the apiserver at (with a NodePort service, the node's IP)" >&2
  exit 64
fi
case "$OPERATOR_IP" in
  127.*|localhost|::1)
    echo "startup.sh: OPERATOR_IP=$OPERATOR_IP is a loopback address; agents on other hosts could never reach it" >&2
    exit 64
    ;;
esac
export OPERATOR_IP
export OPERATOR_PORT="${OPERATOR_PORT:-3334}"

exec java ${JAVA_OPTS:-} -jar /opt/paas-operator/quarkus-run.jar "$@"
