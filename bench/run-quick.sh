#!/usr/bin/env bash
# The quick scenarios (`make bench`), about 5 minutes: each launches a fresh release server on a free
# 127.0.0.1 port, runs bounded in time, and writes one JSON per scenario to $OUT.
set -uo pipefail
BUILD=${1:-build/release}
B="$BUILD/veche-bench"
OUT=${OUT:-/tmp/veche-bench-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')  nproc $(nproc)  mem $(free -g | awk '/Mem:/{print $2}') GiB  results in $OUT"
failed=()
run() {
    local name=$1; shift
    echo "--- $name: $B $*"
    if ! "$B" "$@" --out "$OUT/$name.json" > "$OUT/$name.txt" 2> "$OUT/$name.log"; then failed+=("$name"); fi
    grep -E "^(held|saturation|max_delivered|best_acked|storm|resynced|gaps|duplicates|search_latency|history_latency|ok|error)" "$OUT/$name.txt" || true
    grep -E "idle [0-9]+:|fanout M=|persist c=" "$OUT/$name.log" | sed 's/^/    /' || true
}
run fanout-m100 fanout --members 100 --max-seconds 120
run fanout-m1000 fanout --members 1000 --max-seconds 120
run persist persist --max-seconds 120
run idle idle --conns 1000,10000 --max-seconds 150
run reconnect reconnect --clients 2000 --rate 1 --max-seconds 120
if [ ! -f "$OUT/histdb/veche.db" ]; then
    "$B" gen-db --data "$OUT/histdb" --messages 200000 --chats 1000 --users 1000 > "$OUT/gen-db.log" 2>&1 || failed+=(gen-db)
fi
run history history --data "$OUT/histdb" --queries 500 --history-pages 500 --max-seconds 120
if [ ${#failed[@]} -gt 0 ]; then echo "FAILED: ${failed[*]}"; exit 1; fi
echo "all quick scenarios ran; JSON in $OUT"
