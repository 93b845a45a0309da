#!/usr/bin/env bash
# Builds the Python wheel of mobile-id into target/wheels/: the FFI library (release, or the
# profile named by PROFILE=debug), its uniffi bindings generated in library mode, and the
# mobile_id package around them, staged in target/python-package and built by hatchling.
#   bindings/python/build-wheel.sh            # release
#   PROFILE=debug bindings/python/build-wheel.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
profile=${PROFILE:-release}
if [ "$profile" = release ]; then cargo build -q --release -p mobile-id-ffi; else cargo build -q -p mobile-id-ffi; fi
cargo build -q --manifest-path uniffi/bindgen/Cargo.toml --target-dir target/bindgen
lib=target/$profile/libmobile_id_ffi.so

stage=target/python-package
rm -rf "$stage"
mkdir -p "$stage/mobile_id"
cp bindings/python/pyproject.toml bindings/python/hatch_build.py bindings/python/README.md "$stage/"
cp bindings/python/src/mobile_id/__init__.py bindings/python/src/mobile_id/py.typed "$stage/mobile_id/"
target/bindgen/debug/uniffi-bindgen generate --library "$lib" --language python --no-format --out-dir "$stage/generated" >/dev/null
mv "$stage/generated/mobile_id_ffi.py" "$stage/mobile_id/_ffi.py"
rm -rf "$stage/generated"
cp "$lib" "$stage/mobile_id/"

# The build tools live in their own venv: hatchling (the backend) and build (the front end).
tools=target/tools/pybuild
if [ ! -x "$tools/bin/pyproject-build" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install -q "build>=1.2" "hatchling>=1.26"
fi
mkdir -p target/wheels
rm -f target/wheels/mobile_id-*.whl
"$tools/bin/pyproject-build" --wheel --no-isolation --outdir target/wheels "$stage" >/dev/null
ls target/wheels/mobile_id-*.whl
