#!/usr/bin/env bash
# Fan-out and persisted sends against a 2-node cluster (PostgreSQL + Redis) on this machine, next
# to the same scenarios on single-node SQLite (bench/RESULTS.md). PostgreSQL runs with its durable
# defaults (fsync on every commit), like SQLite's synchronous=FULL.
#   bench/run-cluster.sh [build dir] [out dir]
set -euo pipefail
BUILD=${1:-build/release}
OUT=${2:-bench/results/$(date +%F)-$(git rev-parse --short HEAD)}
mkdir -p "$OUT"
HERE=$(cd "$(dirname "$0")/.." && pwd)

run() {  # run NAME ARGS…: one scenario on a fresh database of its own
  local name=$1; shift
  VECHE_TEST_PG_DURABLE=1 "$HERE/scripts/with-test-services" bash -c '
    db="${VECHE_TEST_PG_URL%/*}/bench_$$"
    psql "$VECHE_TEST_PG_URL" -q -c "CREATE DATABASE bench_$$"
    exec "$0" "$@" --server-env "VECHE_STORAGE=$db,VECHE_BUS=$VECHE_TEST_REDIS_URL"' \
    "$BUILD/veche-bench" "$@" --out "$OUT/$name.json"
}

run cluster2-fanout-m1000 fanout --members 1000 --nodes 2 --rates 50,100,200,300
run cluster2-persist persist --nodes 2
run cluster1-persist persist --nodes 1
