#!/usr/bin/env bash
# Writes a benchmark event file to stdout: RUNNERS runners (bibs 1..N, named
# "Runner N") over the bundled real course, each with the tracker device PREFIX-N.
#   bench/event.sh "Ingest benchmark" bench 1000 >/tmp/event.toml
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1 prefix=$2 runners=${3:-1000}
printf 'name = "%s"\nstart = "2026-11-29T09:00:00+01:00"\n' "$name"
printf 'timezone = "Europe/Paris"\ncourse = "%s"\n' "$PWD/server/assets/demo/garmin-activity.gpx"
for i in $(seq "$runners"); do
  printf '\n[[runners]]\nbib = %d\nname = "Runner %d"\ndevices = ["%s-%d"]\n' "$i" "$i" "$prefix" "$i"
done
