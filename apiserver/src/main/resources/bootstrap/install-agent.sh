#!/bin/sh
# Installs the paas-operator agent for the account that runs this script, and starts it (SPEC.md §6).
# Run by the apiserver's bootstrap over SSH: install-agent.sh STAGING BUILD PORT BIND OPERATOR_URL
# The agent's secret arrives on standard input, never as an argument: a command line is visible to every user.
# Lines starting "paas-bootstrap: " are read by the apiserver.
set -eu

staging=$1 build=$2 port=$3 bind=$4 operator=$5

# One line, whatever the message holds: the apiserver reads the last such line.
fail() {
  echo "paas-bootstrap: error: $(echo "$*" | tr '\n' ' ')"
  exit 1
}

if [ -z "${HOME:-}" ] || [ ! -d "$HOME" ]; then
  fail "the account $(id -un) has no home directory"
fi
home="$HOME/.paas-agent"
umask 077

# Echo off first, so that a terminal (su needs one) never shows the secret back.
if [ -t 0 ]; then stty -echo; fi
echo "paas-bootstrap: secret?"
IFS= read -r secret || fail "no secret was given"
if [ -t 0 ]; then stty echo; fi
[ -n "$secret" ] || fail "no secret was given"

mkdir -p "$home/bin" || fail "cannot create $home"
# Others may pass through (not list): an application's scripts may run as its own account, and must reach its
# directory under apps/. The settings (agent.env) and the agent itself (bin/) stay the owner's.
chmod 711 "$home"
# The build is the archive's digest: a damaged upload is caught before anything is replaced.
if command -v sha256sum >/dev/null 2>&1; then
  digest=$(sha256sum "$staging/agent.tar.gz" | cut -c 1-16)
  [ "$digest" = "$build" ] || fail "the agent arrived damaged (digest $digest, expected $build); try again"
fi
dir="$home/bin/$build"
if [ ! -x "$dir/agentctl" ]; then
  rm -rf "$dir.partial"
  mkdir "$dir.partial" || fail "cannot create $dir.partial"
  if ! out=$(tar -xzf "$staging/agent.tar.gz" -C "$dir.partial" 2>&1); then
    rm -rf "$dir.partial"
    fail "unpacking the agent into $dir failed: $out"
  fi
  mv "$dir.partial" "$dir"
fi
if ! out=$("$dir/launch" --check 2>&1); then
  fail "$out"
fi

# The agent's settings; owner-only, as umask 077 made the directory. echo is a shell builtin: no command line.
{
  echo "AGENT_HOME=$home"
  echo "AGENT_BIND=$bind"
  echo "AGENT_PORT=$port"
  echo "AGENT_BUILD=$build"
  echo "OPERATOR_URL=$operator"
  echo "AGENT_SECRET=$secret"
} >"$home/agent.env.new" || fail "cannot write $home/agent.env (disk full?)"

previous=$(readlink "$home/bin/current" 2>/dev/null || true)
if [ "$previous" = "$build" ] && cmp -s "$home/agent.env.new" "$home/agent.env" && "$home/bin/current/agentctl" status >/dev/null; then
  rm -f "$home/agent.env.new"
  echo "paas-bootstrap: installed $build (already running)"
  exit 0
fi

[ -x "$home/bin/current/agentctl" ] && "$home/bin/current/agentctl" stop
mv "$home/agent.env.new" "$home/agent.env"
ln -sfn "$build" "$home/bin/current"
if ! out=$("$home/bin/current/agentctl" start 2>&1); then
  fail "starting the agent failed: $out"
fi

# Keep the running build and the one before it, for a look back; older ones go.
for old in "$home"/bin/*; do
  name=$(basename "$old")
  case "$name" in
    current | "$build" | "$previous") ;;
    *) rm -rf "$old" ;;
  esac
done
echo "paas-bootstrap: installed $build"
