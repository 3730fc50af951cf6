#!/usr/bin/env bash
# Benchmark: what the async fan-out of 10 calls × 1 s adds over 1 s (the seed measured 1.08 s,
# i.e. 80 ms, inside its server). Starts a Release TargetApp on loopback, warms it up (tier-1
# JIT needs ~30 calls per method), then times ROUNDS sequential requests to /api/aggregated/.
# The figure is the median of the server's own "elapsed" (handler + JSON, as the seed timed it)
# minus 1 s; target ≤ 5 ms. curl's client-side total (adds connection set-up) is shown beside it.
# Usage: bench/async-fanout.sh [ROUNDS]   (default 5)
source "$(dirname "$0")/lib.sh"
rounds=${1:-5}
port=${PORT:-5181}

build_release TargetApp
start_service target TargetApp "$port"

# JIT (to tier 1) and the 10 pooled connections to the downstream.
for _ in $(seq 1 200); do curl -fs -o /dev/null "http://127.0.0.1:$port/api/aggregated/?delay_ms=0"; done
for _ in 1 2; do curl -fs -o /dev/null "http://127.0.0.1:$port/api/aggregated/"; done

echo "round  client_total_s  server_elapsed_s"
totals=() elapsed_all=()
for i in $(seq 1 "$rounds"); do
  out=$(curl -fs -w ' %{time_total}' "http://127.0.0.1:$port/api/aggregated/")
  total=${out##* }
  elapsed=$(echo "$out" | grep -o '"elapsed":[0-9.]*' | cut -d: -f2)
  printf '%5d  %14.4f  %16.4f\n' "$i" "$total" "$elapsed"
  totals+=("$total") elapsed_all+=("$elapsed")
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
server=$(median "${elapsed_all[@]}")
client=$(median "${totals[@]}")
server_ms=$(awk -v m="$server" 'BEGIN {printf "%.1f", (m - 1.0) * 1000}')
client_ms=$(awk -v m="$client" 'BEGIN {printf "%.1f", (m - 1.0) * 1000}')
echo
echo "median of $rounds, server side: ${server} s → the fan-out adds ${server_ms} ms over 1 s (seed: 80 ms; target ≤ 5 ms)"
echo "median of $rounds, client side (curl, incl. connection set-up): ${client} s → +${client_ms} ms"
awk -v o="$server_ms" 'BEGIN {exit !(o <= 5)}' && echo "target met" || echo "target NOT met"
