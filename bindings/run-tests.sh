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
    "$kotlinc" -nowarn -cp /usr/share/java/jna.jar "$gen"/org/mobileid/*.kt bindings/kotlin/Test.kt -d "$gen/test.jar" 2>&1 | grep -v '^warning' || true
    [ -f "$gen/test.jar" ] || { echo "kotlin: FAILED — compilation"; exit 1; }
    java -cp "$gen/test.jar:/usr/share/java/jna.jar:target/tools/kotlinc/lib/kotlin-stdlib.jar" -Djna.library.path="$root/target/debug" TestKt
    ;;
  python)
    if [ ! -x .venv/bin/pytest ] || ! .venv/bin/python -c 'import cryptography' 2>/dev/null; then
      python3 -m venv .venv
      .venv/bin/pip install -q pytest cryptography
    fi
    cp "$lib" "$gen/"
    PYTHONPATH="$gen" .venv/bin/pytest -q bindings/python
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
