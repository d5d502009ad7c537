#!/usr/bin/env bash
# Checks that two builds of the copydesk binary write the same bytes: cluster output on
# ecbplus-dev (batch and --stream), on Reuters+BBC (default and --no-stories) and on the
# shipped samples; the ecbplus-dev index file; and a query of the seeds against it.
# For a change that should not alter behaviour (a refactor, a speed-up).
#
#   cp target/release/copydesk /tmp/copydesk-before      # build the old version first
#   cargo build --release --features cli
#   bash benches/same_output.sh /tmp/copydesk-before target/release/copydesk
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 OLD_BIN NEW_BIN" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
data=${COPYDESK_SHARED:-$root/../shared}/data
seeds=${COPYDESK_SHARED:-$root/../shared}/seeds
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat "$data/reuters21578.jsonl" "$data/bbc_news.jsonl" > "$work/rb.jsonl"
for side in old new; do
  bin=$1; [ $side = new ] && bin=$2
  out=$work/$side; mkdir -p "$out"
  "$bin" cluster "$data/ecbplus-dev.jsonl" -q > "$out/ecb.jsonl"
  "$bin" cluster "$data/ecbplus-dev.jsonl" -q --stream > "$out/ecb-stream.jsonl"
  "$bin" cluster "$work/rb.jsonl" -q > "$out/rb.jsonl"
  "$bin" cluster "$work/rb.jsonl" -q --no-stories > "$out/rb-no-stories.jsonl"
  "$bin" cluster "$root/examples/articles" -q --format jsonl > "$out/samples.jsonl"
  "$bin" index build "$data/ecbplus-dev.jsonl" -q -o "$out/ecb.cdx"
  "$bin" query "$out/ecb.cdx" "$seeds" -q --format jsonl > "$out/query.jsonl"
done
status=0
for f in ecb.jsonl ecb-stream.jsonl rb.jsonl rb-no-stories.jsonl samples.jsonl ecb.cdx query.jsonl; do
  if cmp -s "$work/old/$f" "$work/new/$f"; then echo "same      $f"; else echo "DIFFERENT $f"; status=1; fi
done
exit $status
