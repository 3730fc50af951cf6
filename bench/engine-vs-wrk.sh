#!/usr/bin/env bash
# Benchmark: the Harness load engine against wrk, with the same number of connections, in two rows:
#   get   GET /api/?delay_ms=0 of a Release TargetApp;
#   post  POST /echo of bench/EchoPost with a 1 KB JSON body (wrk sends it from a Lua script),
#         the engine also checking the answer's $.id (a JSON-path check: it reads and parses the body).
# A closed model (keep-constant users = connections) is wrk's model. The two tools alternate for
# ROUNDS rounds (the machine is shared and noisy; alternating spreads the noise over both) and the
# medians are compared. Reports RPS, p50/p99 as each tool saw them, the ratio (target: engine ≥
# 0.8 × wrk) and the engine's CPU per request (from its own generator samples in results.json).
# Usage: bench/engine-vs-wrk.sh   (env: SECONDS_PER_RUN=10 CONNECTIONS=64 ROUNDS=3 ROWS="get post")
source "$(dirname "$0")/lib.sh"
seconds=${SECONDS_PER_RUN:-10}
connections=${CONNECTIONS:-64}
rounds=${ROUNDS:-3}
rows=${ROWS:-get post}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

build_release TargetApp EchoPost LoadTests

# engine_run NAME CONFIG TARGET: prints "engine rps p50 p99 failed cpu_µs_per_request".
engine_run() {
  local out="$bench_dir/reports-$1"
  dotnet src/LoadTests/bin/Release/net10.0/LoadTests.dll --config "$2" \
    --target "$3" --output "$out" --plain >"$bench_dir/engine-$1.log" 2>&1 || {
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

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }

# compare ROW TITLE WRK_ARGS CONFIG TARGET: ROUNDS alternating rounds of wrk (WRK_ARGS: its options
# and the URL) and the engine (CONFIG against TARGET), then the medians and their ratio.
compare() {
  local row=$1 wrk_args=$3 config=$4 target=$5 wrk_all=() engine_all=() cpu_all=()
  echo
  echo "$2, $connections connections, ${seconds}s per run, $rounds rounds alternating; $(nproc) cores shared by the generator and the target"
  printf '%-8s %9s %8s %8s %8s %12s\n' "" "req/s" "p50 ms" "p99 ms" "failed" "CPU/req µs"
  for round in $(seq 1 "$rounds"); do
    read -r _ rps p50 p99 failed <<<"$(wrk_run "$row-wrk-$round" "$wrk_args" 2 "$connections" "$seconds")"
    printf '%-8s %9s %8s %8s %8s %12s\n' wrk "$rps" "$p50" "$p99" "$failed" "–"
    wrk_all+=("$rps")
    read -r _ rps p50 p99 failed cpu <<<"$(engine_run "$row-$round" "$config" "$target")"
    printf '%-8s %9s %8s %8s %8s %12s\n' engine "$rps" "$p50" "$p99" "$failed" "$cpu"
    engine_all+=("$rps") cpu_all+=("$cpu")
  done
  local w e c
  w=$(median "${wrk_all[@]}") e=$(median "${engine_all[@]}") c=$(median "${cpu_all[@]}")
  awk -v row="$row" -v e="$e" -v w="$w" -v c="$c" 'BEGIN {printf "%s median: wrk %.0f, engine %.0f req/s; engine / wrk: %.2f (target ≥ 0.80); engine CPU per request %.0f µs\n", row, w, e, e / w, c}'
}

for row in $rows; do
  case $row in
  get)
    start_service target TargetApp 5401
    url='http://127.0.0.1:5401/api/?delay_ms=0'
    wrk -t2 -c"$connections" -d10s "$url" >/dev/null   # warm-up: the target's JIT tiers
    cat >"$bench_dir/get.json" <<JSON
{ "scenarios": [ { "name": "engine", "path": "/api/?delay_ms=0", "warmUp": "5s",
    "load": [ { "simulation": "keep-constant", "copies": $connections, "during": "${seconds}s" } ] } ] }
JSON
    compare get "GET /api/?delay_ms=0" "$url" "$bench_dir/get.json" http://127.0.0.1:5401
    ;;
  post)
    start_service echo EchoPost 5402
    url='http://127.0.0.1:5402/echo'
    # One 1,024-byte JSON body for both tools, as a Lua script for wrk and a scenario file for the engine.
    python3 - "$bench_dir" "$connections" "$seconds" <<'PY'
import json, sys
folder, connections, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3]
body = {"id": "bench-1", "payload": ""}
body["payload"] = "x" * (1024 - len(json.dumps(body, separators=(",", ":"))))
text = json.dumps(body, separators=(",", ":"))
assert len(text.encode()) == 1024
with open(f"{folder}/post.lua", "w") as lua:
    lua.write(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = {json.dumps(text)}\n')
with open(f"{folder}/post.json", "w") as config:
    json.dump({"scenarios": [{"name": "engine", "warmUp": "5s",
        "steps": [{"name": "post", "method": "POST", "path": "/echo",
                   "headers": {"Content-Type": "application/json"}, "body": text,
                   "checks": [{"name": "echo-id", "jsonPath": "$.id", "equals": "bench-1"}]}],
        "load": [{"simulation": "keep-constant", "copies": connections, "during": f"{seconds}s"}]}]}, config)
PY
    # wrk_run passes its URL argument unquoted, so it carries the script option too.
    wrk -t2 -c"$connections" -d10s -s "$bench_dir/post.lua" "$url" >/dev/null   # warm-up
    compare post "POST /echo, 1 KB JSON body (engine: plus a JSON-path check on \$.id)" "-s $bench_dir/post.lua $url" "$bench_dir/post.json" http://127.0.0.1:5402
    ;;
  *) echo "unknown row '$row' (ROWS: get post)" >&2; exit 2 ;;
  esac
done
