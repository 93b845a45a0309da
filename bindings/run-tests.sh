#!/usr/bin/env bash
# Builds the FFI library and the bindgen, generates one language's bindings, and runs that
# language's tests. Exits non-zero on any failure; when the language's toolchain cannot exist
# on this machine (Swift on Linux without swiftc) it says SKIPPED, not passed.
#   bindings/run-tests.sh kotlin|python|swift
set -euo pipefail
lang=${1:?usage: bindings/run-tests.sh kotlin|python|swift}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

cargo build -q -p mobile-id-ffi
cargo build -q --manifest-path uniffi/bindgen/Cargo.toml --target-dir target/bindgen
lib=target/debug/libmobile_id_ffi.so
gen=bindings/$lang/generated
rm -rf "$gen"
mkdir -p "$gen"
target/bindgen/debug/uniffi-bindgen generate --library "$lib" --language "$lang" --no-format --out-dir "$gen" >/dev/null

case "$lang" in
  kotlin)
    if [ ! -f /usr/share/java/jna.jar ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjna-java
    fi
    kotlinc=target/tools/kotlinc/bin/kotlinc
    if [ ! -x "$kotlinc" ]; then
      mkdir -p target/tools
      (cd target/tools && rm -rf package kotlinc && npm pack -q kotlin-compiler@2.4.20 >/dev/null && tar xzf kotlin-compiler-2.4.20.tgz && mv package kotlinc)
    fi
    command -v java >/dev/null || { echo "kotlin: FAILED — no java on this machine"; exit 1; }
    # The tests compile and run against the packaged jar (bindings and native library inside),
    # with JNA and the Kotlin runtime beside it, as an application would.
    PROFILE=debug bindings/kotlin/build-jar.sh >/dev/null
    # The README's Kotlin snippet, run as written inside a function the tests call.
    { echo 'import org.mobileid.*'; echo 'fun readmeSnippet() {';
      awk '/^```kotlin$/ { inside = 1; next } /^```$/ { inside = 0 } inside' README.md; echo '}'; } > "$gen/Readme.kt"
    "$kotlinc" -nowarn -cp target/jar/mobile-id.jar:/usr/share/java/jna.jar bindings/kotlin/Test.kt "$gen/Readme.kt" -d "$gen/test.jar" 2>&1 | grep -v '^warning' || true
    [ -f "$gen/test.jar" ] || { echo "kotlin: FAILED — compilation"; exit 1; }
    java -cp "$gen/test.jar:target/jar/mobile-id.jar:/usr/share/java/jna.jar:target/tools/kotlinc/lib/kotlin-stdlib.jar" TestKt
    ;;
  python)
    # The tests run against the wheel, installed into a fresh venv as a user would install it.
    PROFILE=debug bindings/python/build-wheel.sh >/dev/null
    venv=target/wheel-venv
    rm -rf "$venv"
    python3 -m venv "$venv"
    # redis-py and a redis-server: the portal scenario shares challenges through the host's Redis.
    if ! command -v redis-server >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server
    fi
    "$venv/bin/pip" install -q target/wheels/mobile_id-*.whl pytest cryptography redis
    (cd "$venv" && bin/pytest -q -p no:cacheprovider "$root/bindings/python")
    ;;
  swift)
    if ! command -v swiftc >/dev/null; then
      echo "swift: SKIPPED — no swiftc on this machine; bindings generated in $gen (MobileId.swift, MobileIdFFI.h, MobileIdFFI.modulemap)"
      exit 0
    fi
    swiftc -emit-library -emit-module -module-name MobileId -I "$gen" -Xcc -fmodule-map-file="$gen/MobileIdFFI.modulemap" \
      -L target/debug -lmobile_id_ffi "$gen/MobileId.swift" -o "$gen/libMobileId.so"
    swiftc -I "$gen" -L "$gen" -L target/debug -lMobileId -lmobile_id_ffi -Xcc -fmodule-map-file="$gen/MobileIdFFI.modulemap" \
      bindings/swift/main.swift -o "$gen/swift-test"
    LD_LIBRARY_PATH="$gen:target/debug" "$gen/swift-test"
    ;;
  *)
    echo "usage: bindings/run-tests.sh kotlin|python|swift" >&2
    exit 2
    ;;
esac
