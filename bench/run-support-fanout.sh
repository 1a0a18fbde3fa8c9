#!/bin/sh
# Message fan-out alone or next to the support desk's assignment load (bench/RESULTS.md, 2026-12-03):
#   bench/run-support-fanout.sh alone 18095; bench/run-support-fanout.sh with 18096  (from the repository root)
# $1 = alone|with ; port $2
set -e
D=/tmp/fr-$1; rm -rf $D
VECHE_RATE_LIMITS_ENABLED=false VECHE_BOOTSTRAP_ADMIN_PASSWORD=bench-admin-pass-1 build/release/veche serve --listen 127.0.0.1:$2 --data $D --log-level warn > $D.log 2>&1 &
SP=$!
sleep 2
if [ "$1" = with ]; then
  timeout 600 python3 bench/support_bench.py --base http://127.0.0.1:$2 --password bench-admin-pass-1 --conversations 2000 > /tmp/sb-with.txt 2>&1 &
  BP=$!
  sleep 20
fi
build/release/veche-bench fanout --port $2 --admin-password bench-admin-pass-1 --server-pid $SP --members 1000 --rates 100,200 --step-seconds 15 --p99-stop-ms 1000000 --out /tmp/fan-$1.json >/dev/null 2>&1 || true
[ "$1" = with ] && wait $BP
kill $SP
