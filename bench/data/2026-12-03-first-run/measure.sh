#!/usr/bin/env bash
# Fresh-clone first run, quiet machine: empty CARGO_HOME (crates downloaded, wasm-bindgen-cli installed).
export CARGO_HOME=/tmp/fresh-cargo
export PATH=/tmp/fresh-cargo/bin:$PATH
start=$(date +%s)
echo "start $(date -u +%T)"
git clone -q /work/main /tmp/fresh
cd /tmp/fresh
./scripts/run.sh --port 3999 > /tmp/fresh-run2.log 2>&1 &
pid=$!
until curl -fsS -o /dev/null http://127.0.0.1:3999/; do
  sleep 2
  kill -0 $pid 2>/dev/null || { echo "run.sh died"; exit 1; }
done
end=$(date +%s)
echo "first 200 after $((end-start)) s at $(date -u +%T)"
kill $pid
