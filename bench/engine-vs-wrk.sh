#!/usr/bin/env bash
# Benchmark: the Harness load engine against wrk on the same small endpoint (/api/?delay_ms=0 of a
# Release TargetApp), with the same number of connections. A closed model (keep-constant users =
# connections) is wrk's model. The two alternate for ROUNDS rounds (the machine is shared and
# noisy; alternating spreads the noise over both) and the medians are compared.
# Reports RPS, p50/p99 as each tool saw them, the ratio (target: engine ≥ 0.8 × wrk) and the
# engine's CPU per request (from its own generator samples in results.json).
# Usage: bench/engine-vs-wrk.sh   (env: SECONDS_PER_RUN=10 CONNECTIONS=64 ROUNDS=3)
source "$(dirname "$0")/lib.sh"
seconds=${SECONDS_PER_RUN:-10}
connections=${CONNECTIONS:-64}
rounds=${ROUNDS:-3}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

build_release TargetApp LoadTests
start_service target TargetApp 5401
url='http://127.0.0.1:5401/api/?delay_ms=0'
wrk -t2 -c"$connections" -d10s "$url" >/dev/null   # warm-up: the target's JIT tiers

cat >"$bench_dir/engine.json" <<JSON
{ "scenarios": [ { "name": "engine", "path": "/api/?delay_ms=0", "warmUp": "5s",
    "load": [ { "simulation": "keep-constant", "copies": $connections, "during": "${seconds}s" } ] } ] }
JSON

engine_run() {
  local out="$bench_dir/reports-$1"
  dotnet src/LoadTests/bin/Release/net10.0/LoadTests.dll --config "$bench_dir/engine.json" \
    --target http://127.0.0.1:5401 --output "$out" --plain >"$bench_dir/engine-$1.log" 2>&1 || {
    echo "the engine run failed:" >&2; tail -20 "$bench_dir/engine-$1.log" >&2; exit 1; }
  python3 - "$(ls "$out"/*/results.json)" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
s = run["scenarios"][0]
st = s["stats"]
cores = run["fingerprint"]["cores"]
# Generator CPU over the measured window: mean share of the machine × cores × seconds.
window = [g for g in run["generator"] if s["start"] < g["t"] <= s["end"] + 0.5]
cpu_seconds = sum(g["cpu"] for g in window) / max(1, len(window)) * cores * (s["end"] - s["start"])
print(f'engine {st["okRps"]:.0f} {st["latency"]["p50"]:.2f} {st["latency"]["p99"]:.2f} {st["fail"]} {cpu_seconds / max(1, st["count"]) * 1e6:.0f}')
PY
}

echo "GET /api/?delay_ms=0, $connections connections, ${seconds}s per run, $rounds rounds alternating; $(nproc) cores shared by the generator and the target"
printf '%-8s %9s %8s %8s %8s %12s\n' "" "req/s" "p50 ms" "p99 ms" "failed" "CPU/req µs"
wrk_all=() engine_all=()
for round in $(seq 1 "$rounds"); do
  read -r _ rps p50 p99 failed <<<"$(wrk_run "wrk-$round" "$url" 2 "$connections" "$seconds")"
  printf '%-8s %9s %8s %8s %8s %12s\n' wrk "$rps" "$p50" "$p99" "$failed" "–"
  wrk_all+=("$rps")
  read -r _ rps p50 p99 failed cpu <<<"$(engine_run "$round")"
  printf '%-8s %9s %8s %8s %8s %12s\n' engine "$rps" "$p50" "$p99" "$failed" "$cpu"
  engine_all+=("$rps")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
w=$(median "${wrk_all[@]}") e=$(median "${engine_all[@]}")
awk -v e="$e" -v w="$w" 'BEGIN {printf "median: wrk %.0f, engine %.0f req/s; engine / wrk: %.2f (target ≥ 0.80)\n", w, e, e / w}'
