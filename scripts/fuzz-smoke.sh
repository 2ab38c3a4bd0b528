#!/usr/bin/env bash
# The fuzz targets in fuzz/ (one per decoder of outside input; FUZZING.md), each run
# for a short while from its seed corpus in fuzz/corpus/<target>; fails if any target
# crashes, hangs or runs out of memory. Needs the nightly toolchain; installs
# cargo-fuzz if missing.
#
#   scripts/fuzz-smoke.sh                      every target, 30 s each
#   FUZZ_SECONDS=600 scripts/fuzz-smoke.sh osmand token
#
# New inputs go to fuzz/target/corpus/<target> (kept between runs, not in git); a
# crashing input to fuzz/artifacts/<target>/. One fuzzing process at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
seconds="${FUZZ_SECONDS:-30}"
toolchain="${FUZZ_TOOLCHAIN:-nightly}"

if ! cargo "+$toolchain" --version >/dev/null 2>&1; then
    echo "fuzz-smoke: the $toolchain toolchain is missing (rustup toolchain install $toolchain)" >&2
    exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

# Build time matters as much as speed here (the suite builds every run):
# - no sanitizer: our code forbids `unsafe`, so ASan would find little, at twice the
#   run time and a longer build;
# - debug assertions on, so arithmetic overflow panics;
# - 16 codegen units and line tables instead of cargo-fuzz's 1 unit and full debug
#   info: a much shorter build, and backtraces still name lines;
# - `--cfg erase_components`, as .cargo/config.toml sets for every build (cargo-fuzz
#   sets RUSTFLAGS, which replaces that file's flags).
export RUSTFLAGS="--cfg erase_components -Ccodegen-units=16 -Cdebuginfo=line-tables-only ${FUZZ_RUSTFLAGS:-}"
cargo "+$toolchain" fuzz build --sanitizer none --debug-assertions

triple="$(rustc "+$toolchain" -vV | sed -n 's/^host: //p')"
bin_dir="fuzz/target/$triple/release"
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo "+$toolchain" fuzz list)
fi

failed=()
for target in "${targets[@]}"; do
    printf '\n== fuzz %s for %s s\n' "$target" "$seconds"
    mkdir -p "fuzz/target/corpus/$target" "fuzz/artifacts/$target"
    # libFuzzer writes new inputs to the first corpus directory only. Without a
    # sanitizer's allocator, its handler for a slow input can deadlock in malloc (seen
    # here): the outer timeout makes that a failure instead of a hung suite.
    set +e
    timeout --kill-after=10 "$((seconds + 60))" "$bin_dir/$target" "fuzz/target/corpus/$target" "fuzz/corpus/$target" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="fuzz/artifacts/$target/" 2>&1 |
        grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)'
    status="${PIPESTATUS[0]}"
    set -e
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        if [ "$status" -ge 124 ]; then
            echo "fuzz-smoke: $target hung; for its input, build with --sanitizer address (FUZZING.md)" >&2
        fi
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz-smoke: failed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzz-smoke: ${#targets[@]} targets, ${seconds} s each, no crash"
