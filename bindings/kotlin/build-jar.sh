#!/usr/bin/env bash
# Builds target/jar/mobile-id.jar: the Kotlin bindings (package org.mobileid) compiled for the
# JVM, and the native library at JNA's resource path for this platform (linux-x86-64/), so an
# application needs only this jar, JNA and the Kotlin runtime on its classpath.
#   bindings/kotlin/build-jar.sh              # release
#   PROFILE=debug bindings/kotlin/build-jar.sh
# Needs a JDK (jar), JNA (/usr/share/java/jna.jar, Debian's libjna-java) and kotlinc (KOTLINC,
# default target/tools/kotlinc/bin/kotlinc, which bindings/run-tests.sh kotlin installs).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
profile=${PROFILE:-release}
kotlinc=${KOTLINC:-target/tools/kotlinc/bin/kotlinc}
jna=${JNA_JAR:-/usr/share/java/jna.jar}
if [ "$profile" = release ]; then cargo build -q --release -p mobile-id-ffi; else cargo build -q -p mobile-id-ffi; fi
cargo build -q --manifest-path uniffi/bindgen/Cargo.toml --target-dir target/bindgen
lib=target/$profile/libmobile_id_ffi.so

stage=target/jar-build
rm -rf "$stage"
mkdir -p "$stage/src" "$stage/classes/linux-x86-64" target/jar
target/bindgen/debug/uniffi-bindgen generate --library "$lib" --language kotlin --no-format --out-dir "$stage/src" >/dev/null
if ! "$kotlinc" -nowarn -cp "$jna" "$stage"/src/org/mobileid/*.kt -d "$stage/classes" >"$stage/kotlinc.log" 2>&1; then
  cat "$stage/kotlinc.log" >&2
  echo "build-jar: compilation failed" >&2
  exit 1
fi
cp "$lib" "$stage/classes/linux-x86-64/"
rm -f target/jar/mobile-id.jar
jar cf target/jar/mobile-id.jar -C "$stage/classes" .
echo target/jar/mobile-id.jar
