#!/bin/sh
# Builds the self-contained agent (run by Maven in the package phase, after Quarkus has written target/quarkus-app):
#   target/self-contained/         runtime/ (a Java runtime trimmed by jlink from the build's JDK), quarkus-app/, launch
#   target/paas-agent-self-contained.tar.gz   the same, packed reproducibly: what PAAS_AGENT_EXECUTABLE names
# build.sh JAVA_HOME MODULES TARGET LAUNCH
set -eu
java_home=$1 modules=$2 target=$3 launch=$4

out="$target/self-contained"
rm -rf "$out" "$out.tar.gz.partial"
mkdir -p "$out"
# --compress=0: the archive's gzip packs the modules image smaller than jlink's own zip would, and the classes then
# load without inflating. The class-data archives (AppCDS) are made on the host at install (launch --check): this JDK
# cannot relocate them, and they would not be reproducible.
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=0 \
  --output "$out/runtime"
cp -R "$target/quarkus-app" "$out/quarkus-app"
cp "$launch" "$out/launch"
chmod 755 "$out/launch"
# Fixed names, times and owners, links followed (the runtime's legal/ notices are links): the same build packs to the
# same bytes.
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --mode=u+rwX,go+rX,go-w --dereference \
  -C "$out" -cf - launch runtime quarkus-app | gzip -n -9 >"$target/paas-agent-self-contained.tar.gz.partial"
mv "$target/paas-agent-self-contained.tar.gz.partial" "$target/paas-agent-self-contained.tar.gz"
