#!/usr/bin/env bash
# Runs every test of mobile-id, installing what is missing first. Exits non-zero on any failure.
#   unit + integration tests (cargo test --workspace --all-features), benches once in test
#   mode, clippy -D warnings, and the cargo-fuzz build with a short run of every target.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

# One clean build from scratch: incremental caches would only add gigabytes of disk.
export CARGO_INCREMENTAL=0
log "disk before the build: $(df -h --output=avail . | tail -n1 | tr -d ' ') free"

# --- what the tests need -------------------------------------------------------------------
apt_packages=()
command -v openssl >/dev/null 2>&1 || apt_packages+=(openssl)
command -v qpdf >/dev/null 2>&1 || apt_packages+=(qpdf)
command -v pdfsig >/dev/null 2>&1 || apt_packages+=(poppler-utils)
command -v certutil >/dev/null 2>&1 || apt_packages+=(libnss3-tools)
python3 -m venv --help >/dev/null 2>&1 || apt_packages+=(python3-venv)
command -v redis-server >/dev/null 2>&1 || apt_packages+=(redis-server)
if [ ${#apt_packages[@]} -gt 0 ]; then
  log "installing Debian packages: ${apt_packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}"
fi
# The interop peers and the Python binding tests share one virtual environment.
if ! .venv/bin/python -c 'import pytest, cryptography, pyhanko' 2>/dev/null || [ ! -x .venv/bin/pyhanko ]; then
  log "installing the Python peers into .venv: pytest, cryptography, pyHanko 0.38.0, pyhanko-cli"
  python3 -m venv .venv
  .venv/bin/pip install -q pytest cryptography 'pyHanko==0.38.0' pyhanko-cli
fi
if ! cargo fuzz --help >/dev/null 2>&1; then
  log "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

# --- style, first: cheap and quick to fail ------------------------------------------------
log "cargo fmt --check (workspace and fuzz)"
cargo fmt --all --check
(cd fuzz && cargo fmt --check)

# --- tests ---------------------------------------------------------------------------------
log "cargo test --workspace --all-features"
mkdir -p target
cargo test --workspace --all-features 2>&1 | tee target/test-output.log

log "chains, PKITS, CMS, OCSP (an RSA-PSS root), PAdES and logins again, on the ring verification backend"
MOBILE_ID_VERIFY_BACKEND=ring cargo test -p mobile-id --all-features --test pkits --test chain_building --test chain_strictness \
  --test interop_openssl_cms --test interop_openssl_ocsp --test pades_interop --test pades_attacks --test realworld_verification --test login 2>&1 | tee target/test-ring-output.log

log "benchmarks, once each in test mode"
cargo test --workspace --benches --all-features 2>&1 | tee target/bench-output.log

log "cargo clippy --workspace --all-targets --all-features -- -D warnings"
cargo clippy --workspace --all-targets --all-features -- -D warnings

log "documentation (warnings are errors), with every feature and with the library's defaults"
RUSTDOCFLAGS=-Dwarnings cargo doc --no-deps --workspace --all-features
RUSTDOCFLAGS=-Dwarnings cargo doc --no-deps -p mobile-id

log "cargo package -p mobile-id (the library as published: licences, readme, metadata)"
cargo package -p mobile-id --allow-dirty

# --- bindings ---------------------------------------------------------------------------
for lang in kotlin python swift; do
  log "bindings: $lang"
  bindings/run-tests.sh "$lang" 2>&1 | tee "target/bindings-$lang.log"
done

# --- fuzzing -------------------------------------------------------------------------------
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz=(cargo +nightly fuzz)
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi
log "fuzz build (${fuzz[*]})"
"${fuzz[@]}" build
for target in $("${fuzz[@]}" list); do
  log "fuzz smoke run: $target (20 s)"
  "${fuzz[@]}" run "$target" -- -max_total_time=20 -rss_limit_mb=2048 >/dev/null 2>"target/fuzz-$target.log" \
    || { tail -n 40 "target/fuzz-$target.log"; exit 1; }
done

log "disk after the build: $(df -h --output=avail . | tail -n1 | tr -d ' ') free; target/ holds $(du -sh target | cut -f1)"

# The closing lines: what each suite counted, then one plain total over all of them (cargo
# tests, the benches in test mode, the Kotlin and Python scenarios); skipped suites are named.
counts() {
  awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
       END { printf "%d %d\n", p, f }' "$1"
}
read -r cargo_passed cargo_failed < <(counts target/test-output.log)
read -r bench_passed bench_failed < <(counts target/bench-output.log)
read -r ring_passed ring_failed < <(counts target/test-ring-output.log)
kotlin_passed=$(grep -Eo '[0-9]+ passed' target/bindings-kotlin.log | tail -n1 | grep -Eo '[0-9]+' || echo 0)
python_passed=$(grep -Eo '[0-9]+ passed' target/bindings-python.log | tail -n1 | grep -Eo '[0-9]+' || echo 0)
skipped=$(grep -l 'SKIPPED' target/bindings-*.log | sed 's|target/bindings-||; s|\.log$| bindings|' | paste -sd, - || true)
fuzz_targets=$("${fuzz[@]}" list | wc -l)
printf 'suites: cargo tests %d passed, %d failed; again on the ring backend %d passed, %d failed; benches in test mode %d passed, %d failed; kotlin %d passed; python %d passed; fuzz targets smoke-run: %d; skipped: %s\n' \
  "$cargo_passed" "$cargo_failed" "$ring_passed" "$ring_failed" "$bench_passed" "$bench_failed" "$kotlin_passed" "$python_passed" "$fuzz_targets" "${skipped:-none}"
printf 'tests: %d passed, %d failed\n' "$((cargo_passed + ring_passed + bench_passed + kotlin_passed + python_passed))" "$((cargo_failed + ring_failed + bench_failed))"
