#!/usr/bin/env bash
# The one entry point. Idempotent on a fresh Debian machine; heavy tools are cached outside the
# clone (CI clones afresh on the same machine).
#   ./build.sh          build, then run the demo against the local org (devorg)
#   ./build.sh build    dist/ (load unpacked) + a store-ready zip; prints wasm sizes
#   ./build.sh test     every test: fmt, clippy (native + wasm32), native, wasm-in-browser, end to end
#   ./build.sh test LAYER [FILE]   one layer: lint | native | wasm | e2e [FILE.test.mjs]
#   ./build.sh sim [N] [FIRST]     N seeded call-desk worlds (default 10000) from seed FIRST
#   ./build.sh bench    the benchmarks
#   ./build.sh setup    only install what the others need
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
CACHE=${SFPHONE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sfphone}
WASM_TARGET=wasm32-unknown-unknown
# One wasm module per extension context (see the features in Cargo.toml).
CONTEXTS=(worker content options phone)
# fonts-ipafont-gothic: Japanese glyphs in screenshots of Japanese pages.
# kamailio, kamailio-websocket-modules: the SIP server the phone tests register and call through
# (started by the tests themselves, never as the packaged service).
# xvfb, xdotool: tests/e2e/shortcut.test.mjs runs a headful Chromium on its own X display and
# presses the extension's keyboard shortcut there as a real X key event.
# dbus-daemon: tests/e2e/ringing.test.mjs starts a private session bus for the desktop
# notification server that Chromium shows chrome.notifications through.
# chromium-l10n: the UI languages besides en-US (the Japanese panel test runs Chromium in ja).
# espeak-ng: speaks the far end's words into a recorded call (tests/e2e/recording.test.mjs).
DEBIAN_PACKAGES=(chromium chromium-driver chromium-l10n zip fonts-ipafont-gothic kamailio kamailio-websocket-modules xvfb xdotool dbus-daemon espeak-ng)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

setup_debian() {
  local missing=()
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-upgrade "${missing[@]}" >/dev/null
  fi
}

setup_rust() {
  rustup target list --installed | grep -qx "$WASM_TARGET" || rustup target add "$WASM_TARGET"
  rustup component list --installed | grep -q '^clippy' || rustup component add clippy
  rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
}

# wasm-bindgen (crate) and wasm-bindgen-cli must be the same exact version: read it from Cargo.lock.
wasm_bindgen_version() {
  [ -f Cargo.lock ] || cargo generate-lockfile -q
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

setup_wasm_bindgen() {
  local version dir
  version=$(wasm_bindgen_version)
  dir="$CACHE/wasm-bindgen-cli-$version"
  if [ ! -x "$dir/bin/wasm-bindgen" ] || [ ! -x "$dir/bin/wasm-bindgen-test-runner" ]; then
    say "installing wasm-bindgen-cli $version into $dir (once per machine, a few minutes)"
    # Not --locked: the CLI's lockfile pins a webpki-roots release this machine's mirror lacks.
    cargo install -q wasm-bindgen-cli --version "$version" --root "$dir"
  fi
  export PATH="$dir/bin:$PATH"
}

setup_npm() {
  local dir
  # The end-to-end tests, jsforce for devorg's client-library test, and the LWC engine and base
  # components devorg's `?ui=lwc` pages are compiled from.
  for dir in "$ROOT/tests/e2e" "$ROOT/devorg/tests/clients/jsforce" "$ROOT/devorg/lwc"; do
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      say "installing npm packages in ${dir#"$ROOT"/}"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  done
}

# A venv per requirements file content, so a change of pins makes a fresh one.
setup_python() {
  local digest venv
  digest=$(sha256sum tests/requirements.txt | cut -c1-12)
  venv="$CACHE/venv-$digest"
  if [ ! -x "$venv/bin/python3" ] || ! "$venv/bin/python3" -c 'import phonenumbers, simple_salesforce, pocketsphinx, av' 2>/dev/null; then
    say "installing Python packages for the outside checks into $venv"
    python3 -m venv "$venv"
    "$venv/bin/python3" -m pip install -q --disable-pip-version-check -r tests/requirements.txt
  fi
  export PATH="$venv/bin:$PATH"
}

setup() {
  setup_debian
  setup_rust
  setup_wasm_bindgen
  setup_npm
  setup_python
}

gzip_size() { gzip -9 -c "$1" | wc -c; }

build_extension() {
  say "building the extension (${CONTEXTS[*]})"
  rm -rf dist
  mkdir -p dist/wasm
  for context in "${CONTEXTS[@]}"; do
    cargo build -q --release --lib --target "$WASM_TARGET" -p sfphone --no-default-features --features "$context"
    wasm-bindgen --target web --remove-name-section --no-typescript \
      --out-dir dist/wasm --out-name "$context" "target/$WASM_TARGET/release/sfphone.wasm"
  done
  cp -r extension/. dist/
  cp manifest.json dist/
  printf '%-28s %10s %10s\n' "wasm module" "raw" "gzip"
  for wasm in dist/wasm/*.wasm; do
    printf '%-28s %10d %10d\n' "$(basename "$wasm")" "$(wc -c <"$wasm")" "$(gzip_size "$wasm")"
  done
  local version zip
  version=$(sed -n 's/^ *"version": "\(.*\)",/\1/p' manifest.json | head -1)
  zip="target/phone-for-salesforce-$version.zip"
  rm -f "$zip"
  (cd dist && zip -qr -X "$ROOT/$zip" .)
  say "dist/ is ready to load unpacked; store package: $zip"
}

build_devorg() {
  cargo build -q -p devorg
  build_lwc
}

# devorg's `?ui=lwc` pages: two bundles (synthetic and native shadow) in devorg/lwc/dist, which
# devorg reads at request time. Rebuilt only when a source, the config or the packages changed.
build_lwc() {
  local dir="$ROOT/devorg/lwc" first="$ROOT/devorg/lwc/dist/synthetic.js" js
  if [ -f "$first" ] && [ -f "$dir/dist/native.js" ] && [ -z "$(find "$dir/src" "$dir/rollup.config.mjs" \
      "$dir/node_modules/.package-lock.json" -newer "$first" -print -quit)" ]; then
    return
  fi
  say "building devorg's LWC pages (devorg/lwc: the LWC engine and lightning-base-components, ~1-2 min)"
  (cd "$dir" && npm run --silent build)
  printf '%-28s %10s %10s\n' "LWC bundle" "raw" "gzip"
  for js in "$dir"/dist/*.js; do
    printf '%-28s %10d %10d\n' "$(basename "$js")" "$(wc -c <"$js")" "$(gzip_size "$js")"
  done
}

run_lint() {
  say "cargo fmt --check"
  cargo fmt --all -- --check
  say "clippy (native)"
  cargo clippy -q --workspace --all-targets -- -D warnings
  say "clippy (wasm32, every context)"
  cargo clippy -q -p sfphone --target "$WASM_TARGET" --all-features --all-targets -- -D warnings
}

run_native() {
  say "native tests (core and devorg; the call desk's simulator; outside checks against libphonenumber and simple-salesforce; the SIP agent against Kamailio)"
  # kamailio.mjs starts Kamailio on a free port, sets SIP_KAMAILIO_WS for the command and stops
  # Kamailio when it ends, so tests/sip_kamailio.rs runs against a real server.
  SFPHONE_REQUIRE_LIBPHONENUMBER=1 SFPHONE_REQUIRE_CLIENTS=1 \
    node tests/e2e/sip/kamailio.mjs -- cargo test -q --workspace
}

run_wasm() {
  say "wasm-bindgen tests in headless Chromium"
  CHROMEDRIVER=/usr/bin/chromedriver \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test -p sfphone --target "$WASM_TARGET" --all-features --test browser_glue
}

# e2e [FILE...]: every end-to-end test, or the files named (tests/e2e/NAME.test.mjs or NAME).
run_e2e() {
  build_extension
  build_devorg
  say "end-to-end tests: real Chromium, built extension, devorg"
  # A policy file a killed run of policy.test.mjs left would lock every other test's settings.
  rm -f /etc/chromium/policies/managed/sfphone-e2e.json
  local files=()
  for f in "$@"; do
    f=$(basename "$f"); f=${f%.test.mjs}; files+=("./$f.test.mjs")
  done
  (cd tests/e2e && if [ ${#files[@]} -gt 0 ]; then
    node --test --test-concurrency=1 "${files[@]}"
  else
    node --test --test-concurrency=1 ./*.test.mjs
  fi)
}

run_tests() {
  case "${1:-all}" in
    lint) run_lint ;;
    native) run_native ;;
    wasm) run_wasm ;;
    e2e) shift; run_e2e "$@" ;;
    all) run_lint; run_native; run_wasm; run_e2e ;;
    *) echo "usage: ./build.sh test [lint|native|wasm|e2e [FILE...]]" >&2; exit 2 ;;
  esac
}

run_demo() {
  build_extension
  build_devorg
  say "demo: devorg + Chromium with the built extension"
  node tests/e2e/demo.mjs
}

build_bench_wasm() {
  cargo build -q --release --lib --target "$WASM_TARGET" -p sfphone --no-default-features --features bench
  wasm-bindgen --target web --remove-name-section --no-typescript \
    --out-dir target/bench-wasm --out-name bench "target/$WASM_TARGET/release/sfphone.wasm"
}

run_bench() {
  build_extension
  build_devorg
  build_bench_wasm
  say "benchmarks: click-to-call scanner vs a bare-script baseline, number engine vs libphonenumber-js, call set-up vs JsSIP (tests/bench/)"
  for bench in tests/bench/*.bench.mjs; do
    node "$bench"
  done
}

command=${1:-demo}
case "$command" in
  setup) setup ;;
  build) setup; build_extension; build_lwc ;;
  test) setup; shift; run_tests "$@" ;;
  sim) shift; cargo run -q --release --example sim -- "$@" ;;
  bench) setup; run_bench ;;
  demo) setup; run_demo ;;
  *) echo "usage: ./build.sh [demo|build|test [LAYER [FILE]]|sim [N [FIRST]]|bench|setup]" >&2; exit 2 ;;
esac
