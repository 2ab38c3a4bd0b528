#!/usr/bin/env bash
# The console's event page at 5,000 runners: the page, a save of the settings form,
# and a course upload (the bundled course again, so the checkpoints still fit), each
# timed by curl over loopback against the debug build. Writes results.jsonl here.
#
#   bench/data/2026-12-03-event-settings-5000/measure.sh [RUNS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
OUT=$(cd "$(dirname "$0")" && pwd)/results.jsonl
RUNS=${1:-10}
BIN=$ROOT/target/debug/spectate
DIR=$(mktemp -d)
PORT=3994
B=http://127.0.0.1:$PORT
"$ROOT/bench/event.sh" "Big" big 5000 > "$DIR/event.toml"
printf 'a long enough password\n' | "$BIN" admin add-user ana --data-dir "$DIR/data" > /dev/null
taskset -c 0 "$BIN" serve --open --addr 127.0.0.1:$PORT --event "$DIR/event.toml" --tile-url none \
  --data-dir "$DIR/data" --site-root "$ROOT/target/site" --log-level warn &
SERVER=$!
trap 'kill $SERVER; rm -rf "$DIR"' EXIT
until curl -sf $B/healthz > /dev/null; do sleep 0.2; done
curl -s -c "$DIR/jar" -o /dev/null -H "Origin: $B" -d "name=ana&password=a long enough password" $B/admin/sign-in
FORM="start=2026-11-29T09:00&offset=%2B01:00&timezone=Europe/Paris&cp0_name=Half&cp0_at=6.4&no_signal_minutes=10&no_movement_minutes=10&off_course_minutes=10&battery_percent=15&checkpoint_radius_m=100"
: > "$OUT"
row() { printf '{"what":"%s","run":%d,"status":%s,"bytes":%s,"seconds":%s}\n' "$1" "$2" $3 $4 $5 >> "$OUT"; }
for i in $(seq 1 "$RUNS"); do
  read -r s b t < <(curl -s -b "$DIR/jar" -o /dev/null -w '%{http_code} %{size_download} %{time_total}\n' $B/admin/event)
  row page "$i" "$s" "$b" "$t"
  read -r s b t < <(curl -s -b "$DIR/jar" -o /dev/null -w '%{http_code} %{size_download} %{time_total}\n' \
    -H "Origin: $B" --data-urlencode "name=Big $i" -d "$FORM" $B/admin/event)
  row save "$i" "$s" "$b" "$t"
  # A course is named by its content: every upload differs by a comment.
  sed "s#</gpx>#<!-- run $i --></gpx>#" "$ROOT/server/assets/demo/garmin-activity.gpx" > "$DIR/course.gpx"
  read -r s b t < <(curl -s -b "$DIR/jar" -o /dev/null -w '%{http_code} %{size_download} %{time_total}\n' \
    -H "Origin: $B" -F "file=@$DIR/course.gpx" $B/admin/event/course)
  row course "$i" "$s" "$b" "$t"
done
cat "$OUT"
