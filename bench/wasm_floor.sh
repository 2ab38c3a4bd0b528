#!/usr/bin/env bash
# Where the browser bundle's size comes from: builds the wasm for variants of the app's
# route table and prints each one's brotli (q11) size after wasm-bindgen and wasm-opt -Oz.
#
#   floor      a Leptos 0.8 app with nothing of ours: router, meta, one button
#   shell      our shell (header, connection status, offline banner, live socket), no page
#   map, dashboard, room, track
#              the shell and that one page
#   all        the app as it is
#
# It works on a copy of the tree (uncommitted changes included) in a temporary folder,
# building into cargo-leptos's wasm target folder (target/front), so the crates a release
# build compiled are reused: ~1 min a variant after scripts/build-release.sh (the next
# release build then relinks the real app). NIGHTLY=1 builds as scripts/build-release.sh
# does with nightly (.cargo/wasm-size.toml). Only the wasm is measured: the JS glue, our
# CSS and Leaflet (~50 KB together) come on top. See BENCHMARKS.md, "Browser bundle size".
#
#   bench/wasm_floor.sh [variant ...]      # default: all of them
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
VARIANTS=("$@")
[[ ${#VARIANTS[@]} -gt 0 ]] || VARIANTS=(floor shell map dashboard room track all)
WORK=$(mktemp -d /tmp/spectate-floor.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export CARGO_TARGET_DIR="$ROOT/target/front"
CARGO=(cargo)
EXTRA=()
if [[ "${NIGHTLY:-}" == 1 ]]; then
  CARGO=(cargo +nightly)
  EXTRA=(--config "$ROOT/.cargo/wasm-size.toml")
fi

for variant in "${VARIANTS[@]}"; do
  rm -rf "$WORK/src" && mkdir -p "$WORK/src"
  git ls-files -co --exclude-standard -z | tar -c --null -T - | tar -x -C "$WORK/src"
  python3 - "$WORK/src/app/src/app.rs" "$variant" <<'PY'
import sys
path, variant = sys.argv[1], sys.argv[2]
src = open(path).read()
routes = {
    "map": '<Route path=path!("/") view=RunnerMapPage/>',
    "dashboard": '<Route path=path!("/dashboard") view=DashboardPage/>',
    "room": '<Route path=path!("/room") view=RoomPage/>',
    "track": '<Route path=path!("/track") view=TrackPage/>',
}
for line in routes.values():
    assert line in src, line
if variant == "floor":
    start = src.index("/// The whole app")
    src = src[:start] + '''/// A Leptos app with nothing of Spectate's in it.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let n = RwSignal::new(0);
    view! {
        <Stylesheet id="leptos" href="/pkg/spectate.css"/>
        <Title text="Spectate"/>
        <Router>
            <nav><A href="/">"Map"</A><A href="/dashboard">"Dashboard"</A></nav>
            <main>
                <Routes fallback=|| "not found">
                    <Route path=path!("/") view=move || view! {
                        <button on:click=move |_| n.update(|n| *n += 1)>{n}</button>
                    }/>
                </Routes>
            </main>
        </Router>
    }
}
'''
elif variant != "all":
    keep = routes.get(variant)
    for line in routes.values():
        src = src.replace(line, keep if line == keep else "")
    if variant == "shell":
        src = src.replace("<Routes fallback=NotFound>", '<Routes fallback=NotFound><Route path=path!("/") view=|| "x"/>')
open(path, "w").write(src)
PY
  if ! (cd "$WORK/src" && "${CARGO[@]}" build -p spectate-frontend --target wasm32-unknown-unknown \
    --profile wasm-release "${EXTRA[@]}") >"$WORK/build.log" 2>&1; then
    grep -E '^error' -A8 "$WORK/build.log" >&2
    exit 1
  fi
  rm -rf "$WORK/out" && mkdir -p "$WORK/out"
  wasm-bindgen --target web --no-typescript --out-dir "$WORK/out" --out-name spectate \
    "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/spectate_frontend.wasm"
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    --strip-debug --strip-producers "$WORK/out/spectate_bg.wasm" -o "$WORK/out/opt.wasm"
  node -e '
    const { br } = require(process.argv[1]);
    const buf = require("fs").readFileSync(process.argv[2]);
    console.log(JSON.stringify({ variant: process.argv[3], nightly: process.argv[4] === "1",
      wasm_raw: buf.length, wasm_br11: br(buf, 11) }));
  ' "$ROOT/bench/bundle_size.js" "$WORK/out/opt.wasm" "$variant" "${NIGHTLY:-0}"
done
