#!/bin/sh
# Builds the self-contained agent (run by Maven in the package phase, after Quarkus has written target/quarkus-app):
#   target/self-contained/         runtime/ (a Java runtime trimmed by jlink), quarkus-app/, launch
#   target/paas-agent-self-contained.tar.gz   the same, packed reproducibly: what PAAS_AGENT_EXECUTABLE names
# AGENT_RUNTIME_JDK=... build.sh BUILD_JAVA_HOME MODULES TARGET LAUNCH
# AGENT_RUNTIME_JDK: the JDK the runtime is made from (Maven property agent.runtime.jdk). Empty: the newest JDK 25 or later
# under /usr/lib/jvm, else the build's own JDK. A JDK 25 runtime starts the agent (compiled for 17) from an AOT cache
# (JEP 483/515) that launch --check makes; an older one can only use AppCDS, which starts it with about 1.5 times the CPU.
set -eu
build_java_home=$1 modules=$2 target=$3 launch=$4
runtime_jdk=${AGENT_RUNTIME_JDK:-}

# The feature release of the JDK in $1, from its release file (JAVA_VERSION="25.0.3"); 0 when it has none.
java_major() {
  sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$1/release" 2>/dev/null | head -n 1 | grep . || echo 0
}

if [ -n "$runtime_jdk" ]; then
  if [ "$(java_major "$runtime_jdk")" -lt 25 ] || [ ! -x "$runtime_jdk/bin/jlink" ]; then
    echo "agent.runtime.jdk=$runtime_jdk is not a JDK 25 or later (no release file saying so, or no bin/jlink)" >&2
    exit 1
  fi
else
  best=0
  for jdk in /usr/lib/jvm/*/; do
    jdk=${jdk%/}
    major=$(java_major "$jdk")
    if [ "$major" -ge 25 ] && [ "$major" -gt "$best" ] && [ -x "$jdk/bin/jlink" ]; then
      best=$major runtime_jdk=$jdk
    fi
  done
  if [ -z "$runtime_jdk" ]; then
    runtime_jdk=$build_java_home
    echo "WARNING: no JDK 25 or later under /usr/lib/jvm (give one with -Dagent.runtime.jdk=...): the self-contained" \
      "agent's runtime is the build's JDK $(java_major "$runtime_jdk"), which starts it from an AppCDS archive, with" \
      "about 1.5 times the CPU a JDK 25 AOT cache needs" >&2
  fi
fi
echo "self-contained agent: runtime from $runtime_jdk (Java $(java_major "$runtime_jdk"))"

out="$target/self-contained"
rm -rf "$out" "$out.tar.gz.partial"
mkdir -p "$out"
# No compression: the archive's gzip packs the modules image smaller than jlink's own zip would, and the classes then
# load without inflating. (JDK 21 renamed --compress=0 to zip-0.) The class-data archives (AOT cache or AppCDS) are
# made on the host at install (launch --check): they hold the install directory's paths, and would not be reproducible.
compress=0
[ "$(java_major "$runtime_jdk")" -ge 21 ] && compress=zip-0
"$runtime_jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=$compress \
  --output "$out/runtime"
cp -R "$target/quarkus-app" "$out/quarkus-app"
cp "$launch" "$out/launch"
chmod 755 "$out/launch"
# Fixed names, times and owners, links followed (the runtime's legal/ notices are links): the same build packs to the
# same bytes.
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --mode=u+rwX,go+rX,go-w --dereference \
  -C "$out" -cf - launch runtime quarkus-app | gzip -n -9 >"$target/paas-agent-self-contained.tar.gz.partial"
mv "$target/paas-agent-self-contained.tar.gz.partial" "$target/paas-agent-self-contained.tar.gz"
