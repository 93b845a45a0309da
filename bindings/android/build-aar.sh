#!/usr/bin/env bash
# Builds the Android library: native libraries for the usual ABIs with cargo-ndk and the Kotlin
# bindings, laid out as an Android library module (jniLibs + Kotlin sources) that depends on
# JNA's AAR. Needs the Android NDK (ANDROID_NDK_HOME), the Rust Android targets, cargo-ndk and
# Gradle — none of which this project's CI machine has, so it is not run there.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-"$root/target/android/mobile-id"}
cd "$root"
rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
cargo ndk -t arm64-v8a -t armeabi-v7a -t x86_64 -o "$out/src/main/jniLibs" build --release -p mobile-id-ffi
cargo build -p mobile-id-ffi
cargo build --manifest-path uniffi/bindgen/Cargo.toml --target-dir target/bindgen
target/bindgen/debug/uniffi-bindgen generate --library target/debug/libmobile_id_ffi.so --language kotlin --out-dir "$out/src/main/kotlin"
cat > "$out/build.gradle.kts" <<'GRADLE'
plugins { id("com.android.library"); kotlin("android") }
android { namespace = "org.mobileid"; compileSdk = 35; defaultConfig { minSdk = 26 } }
dependencies { implementation("net.java.dev.jna:jna:5.15.0@aar") }
GRADLE
echo "Android library module written to $out (add it to a Gradle build; assemble with ./gradlew :mobile-id:assembleRelease)"
