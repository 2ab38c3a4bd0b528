#!/usr/bin/env bash
# Builds the site and the server the way `cargo leptos build` does, without cargo-leptos:
# installing cargo-leptos 0.3.7 took 14 to 19 min on a fresh 2-core machine (issue 20),
# while these steps need only cargo, the wasm-bindgen CLI and wasm-opt.
#
#   scripts/build-site.sh [--release] [--precompress] [--embed] [--site-only]
#
# The names come from `[[workspace.metadata.leptos]]` in Cargo.toml, the one definition
# `cargo leptos watch` also reads (scripts/dev.sh); scripts/compare-site-builds.sh checks
# that both ways write the same files. The steps, in cargo-leptos 0.3.7's order:
#   1. copy the assets dir (public/: favicon, vendor/leaflet) into a staging folder;
#   2. the wasm: `cargo build -p <lib-package> --lib --target wasm32-unknown-unknown` in
#      target/front (release: the lib-profile-release profile, and on the image's nightly
#      .cargo/wasm-size.toml's size settings, as before), then `wasm-bindgen --target=web`
#      into pkg/, `<name>_bg.wasm` renamed `<name>.wasm`, release: `wasm-opt -Oz`;
#   3. the style file copied as pkg/<name>.css (cargo-leptos also runs lightningcss over it
#      and minifies it and the JS glue in release; we do not: DEVELOPERS.md has the sizes);
#   4. --precompress (release): `.br` (brotli, quality 11) and `.gz` beside every file;
#   5. the site root made equal to the staging folder, rewriting only changed files;
#   6. the server (`cargo build -p <bin-package> --bin <bin-target>`, on stable), with the
#      environment cargo-leptos gives it, so both ways share one set of build artifacts.
#      --embed names the finished site in SPECTATE_EMBED_SITE: server/build.rs then puts
#      every file of it into the binary (server/src/http/site_files.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { printf '\033[1;34m[build-site]\033[0m %s\n' "$*"; }

release=0 precompress=0 embed=0 site_only=0
for arg in "$@"; do
  case "$arg" in
    --release) release=1 ;;
    --precompress) precompress=1 ;;
    --embed) embed=1 ;;
    --site-only) site_only=1 ;;
    *) echo "usage: $0 [--release] [--precompress] [--embed] [--site-only]" >&2; exit 2 ;;
  esac
done

# One value of the [[workspace.metadata.leptos]] table (`key = "value"` lines).
meta() {
  awk -v key="$1" '
    /^\[\[workspace\.metadata\.leptos\]\]/ { inside = 1; next }
    /^\[/ { inside = 0 }
    inside && $1 == key { sub(/^[^=]*= *"/, ""); sub(/".*$/, ""); print; exit }
  ' Cargo.toml
}
name=$(meta output-name)
site=$(meta site-root)
pkg=$(meta site-pkg-dir)
style=$(meta style-file)
assets=$(meta assets-dir)
lib=$(meta lib-package)
bin_package=$(meta bin-package)
bin_target=$(meta bin-target)
lib_release_profile=$(meta lib-profile-release)
for v in name site pkg style assets lib bin_package bin_target lib_release_profile; do
  [[ -n ${!v} ]] || { echo "build-site: no ${v//_/-} in [[workspace.metadata.leptos]]" >&2; exit 1; }
done

# The environment cargo-leptos gives both builds (server/src/startup.rs reads it at run time
# only; the same values keep the fingerprints equal, so nothing is compiled twice).
export LEPTOS_OUTPUT_NAME="$name" LEPTOS_SITE_ROOT="$site" LEPTOS_SITE_PKG_DIR="$pkg"
export LEPTOS_SITE_ADDR="$(meta site-addr)" LEPTOS_RELOAD_PORT="$(meta reload-port)"
export LEPTOS_LIB_DIR=frontend LEPTOS_BIN_DIR=server LEPTOS_HASH_FILES=false
export LEPTOS_JS_MINIFY=$([[ $release == 1 ]] && echo true || echo false)

# Built in a staging folder, then only changed files are copied over the site (step 5):
# an embedding server build recompiles when a file of the site is newer than it, and a
# re-run that rewrote every file recompiled the release server each time.
out="$site.new"
say "staging $out: $assets/ copied in"
rm -rf "$out"
mkdir -p "$out/$pkg"
[[ -d $assets ]] && cp -R "$assets/." "$out/"

wasm_args=(build "--package=$lib" --lib --target-dir=target/front --target=wasm32-unknown-unknown
  --no-default-features)
if [[ $release == 1 ]]; then
  wasm_args+=("--profile=$lib_release_profile")
  wasm_dir="target/front/wasm32-unknown-unknown/$lib_release_profile"
else
  wasm_dir=target/front/wasm32-unknown-unknown/debug
fi
if [[ $release == 1 && "${SPECTATE_STABLE_WASM:-}" != 1 ]] && ./scripts/nightly-wasm-ready.sh; then
  say "wasm: nightly, size settings from .cargo/wasm-size.toml"
  cargo +nightly "${wasm_args[@]}" --config=.cargo/wasm-size.toml
else
  say "wasm: stable"
  cargo "${wasm_args[@]}"
fi
say "wasm-bindgen $(wasm-bindgen --version | awk '{print $2}')"
wasm-bindgen --target=web "--out-name=$name" "--out-dir=$out/$pkg" "$wasm_dir/${lib//-/_}.wasm"
mv "$out/$pkg/${name}_bg.wasm" "$out/$pkg/$name.wasm"
if [[ $release == 1 ]]; then
  say "wasm-opt -Oz"
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$out/$pkg/$name.wasm" -o "$out/$pkg/$name.wasm"
fi
cp "$style" "$out/$pkg/$name.css"

if [[ $release == 1 && $precompress == 1 ]]; then
  say "precompressing: .br (quality 11) and .gz beside every file"
  # Node's zlib (node is on the image, npm needs it): brotli at its best quality, as
  # cargo-leptos; gzip at level 9.
  node -e '
    const fs = require("fs"), path = require("path"), zlib = require("zlib");
    const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
    for (const file of walk(process.argv[1])) {
      if (file.endsWith(".br") || file.endsWith(".gz")) continue;
      const bytes = fs.readFileSync(file);
      fs.writeFileSync(file + ".gz", zlib.gzipSync(bytes, { level: 9 }));
      fs.writeFileSync(file + ".br", zlib.brotliCompressSync(bytes, { params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
    }' "$out"
fi

# The site becomes the staged one: changed and new files copied, stale ones removed.
mkdir -p "$site"
changed=0
while IFS= read -r -d '' file; do
  rel=${file#"$out"/}
  if ! cmp -s "$file" "$site/$rel"; then
    mkdir -p "$(dirname "$site/$rel")"
    cp "$file" "$site/$rel"
    changed=$((changed + 1))
  fi
done < <(find "$out" -type f -print0)
while IFS= read -r -d '' file; do
  [[ -f $out/${file#"$site"/} ]] || rm "$file"
done < <(find "$site" -type f -print0)
find "$site" -mindepth 1 -type d -empty -delete
rm -rf "$out"
say "site $site: $changed files changed"

[[ $site_only == 1 ]] && { say "site done (no server build)"; exit 0; }
server_args=(build "--package=$bin_package" "--bin=$bin_target" --no-default-features)
[[ $release == 1 ]] && server_args+=(--release)
if [[ $embed == 1 ]]; then
  say "server: embedding $site"
  SPECTATE_EMBED_SITE="$PWD/$site" cargo +stable "${server_args[@]}"
else
  cargo +stable "${server_args[@]}"
fi
say "done: $site/, target/$([[ $release == 1 ]] && echo release || echo debug)/$(meta bin-exe-name)"
