#!/usr/bin/env bash
# Builds MobileId.xcframework (device + simulators) and the Swift sources for the SwiftPM
# package in this folder. Needs macOS with Xcode and the Rust iOS targets; this project's CI
# machine (Linux) cannot run it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
  cargo build --release -p mobile-id-ffi --target "$t"
done
mkdir -p target/ios/sim target/ios/headers
lipo -create target/aarch64-apple-ios-sim/release/libmobile_id_ffi.a target/x86_64-apple-ios/release/libmobile_id_ffi.a -output target/ios/sim/libmobile_id_ffi.a
cargo build --manifest-path uniffi/bindgen/Cargo.toml --target-dir target/bindgen
target/bindgen/debug/uniffi-bindgen generate --library target/aarch64-apple-ios/release/libmobile_id_ffi.a --language swift --out-dir target/ios/headers
mkdir -p bindings/ios/Sources/MobileId
mv target/ios/headers/MobileId.swift bindings/ios/Sources/MobileId/
mv target/ios/headers/MobileIdFFI.modulemap target/ios/headers/module.modulemap
rm -rf bindings/ios/MobileIdFFI.xcframework
xcodebuild -create-xcframework \
  -library target/aarch64-apple-ios/release/libmobile_id_ffi.a -headers target/ios/headers \
  -library target/ios/sim/libmobile_id_ffi.a -headers target/ios/headers \
  -output bindings/ios/MobileIdFFI.xcframework
echo "bindings/ios is now a SwiftPM package (Package.swift) with MobileIdFFI.xcframework"
