#!/bin/sh
# Writes the secrets the manifests use (the database password, the key that encrypts host passwords, an API token) with fresh random values,
# readable by you alone. Keep the file: the encryption key decrypts the stored host passwords.
#   ./k8s/generate-secrets.sh [FILE]   (default: k8s/secrets.env, next to kustomization.yaml)
set -eu
out="${1:-$(dirname "$0")/secrets.env}"
if [ -e "$out" ]; then
  echo "$out exists; not overwriting it (its secret-key decrypts the stored passwords)" >&2
  exit 1
fi
umask 077
{
  echo "database-password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32)"
  echo "secret-key=$(head -c 32 /dev/urandom | base64)"
  echo "api-tokens=$(head -c 32 /dev/urandom | base64 | tr -d '/+=' | head -c 43)"
} > "$out"
echo "wrote $out"
