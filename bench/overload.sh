#!/usr/bin/env bash
# Overload and recovery, then (optionally) a soak, through the gateway on a Release stack on
# loopback. Prints its figures; asserts nothing.
#
# Overload: an open model (requests keep arriving whatever the answers do) of /api/aggregated/
# (n=10, delay 500 ms): BASE_RATE/s for 15 s, then OVERLOAD_RATE/s for 20 s (far beyond what two
# cores can serve), then BASE_RATE/s again for 30 s. The per-route limits are lowered so that
# shedding happens at a few hundred requests in progress. Reports: how much was shed and how
# fast the 503s came, peak working set and threads of every service, and the recovery time (from
# the end of the overload to the first second whose p99 is within 1.5× the baseline's).
#
# Soak (SOAK=10m): BASE_RATE/s for that long; reports working set, threads and open file
# handles of every service after the first minute and at the end.
#
# Usage: bench/overload.sh   (env: BASE_RATE=50 OVERLOAD_RATE=3000 SOAK=0, GATEWAY_ENV="VAR=value ..."
#        passed to the gateway, to try a runtime setting)
source "$(dirname "$0")/lib.sh"
base=${BASE_RATE:-50}
overload=${OVERLOAD_RATE:-3000}
soak=${SOAK:-0}

build_release TargetApp Gateway LoadTests
start_service downstream TargetApp 5601
start_service target-1 TargetApp 5602 Downstream__BaseUrl=http://127.0.0.1:5601 Limits__MaxConcurrentAggregations=150
start_service target-2 TargetApp 5603 Downstream__BaseUrl=http://127.0.0.1:5601 Limits__MaxConcurrentAggregations=150
start_service gateway Gateway 5604 Gateway__Targets__0=http://127.0.0.1:5602 Gateway__Targets__1=http://127.0.0.1:5603 Limits__MaxConcurrentRequests=400
declare -A pid=([downstream]=${bench_pids[0]} [target-1]=${bench_pids[1]} [target-2]=${bench_pids[2]} [gateway]=${bench_pids[3]})
scrape=(--scrape http://127.0.0.1:5601/metrics --scrape http://127.0.0.1:5602/metrics --scrape http://127.0.0.1:5603/metrics --scrape http://127.0.0.1:5604/metrics)

cat >"$bench_dir/overload.json" <<JSON
{ "scenarios": [ { "name": "overload", "path": "/api/aggregated/?n=10&delay_ms=500", "warmUp": "5s", "maxInFlight": 20000,
    "load": [
      { "simulation": "inject", "rate": $base, "during": "15s" },
      { "simulation": "inject", "rate": $overload, "during": "20s" },
      { "simulation": "inject", "rate": $base, "during": "30s" } ] } ] }
JSON
dotnet src/LoadTests/bin/Release/net10.0/LoadTests.dll --config "$bench_dir/overload.json" --target http://127.0.0.1:5604 \
  "${scrape[@]}" --output "$bench_dir/overload" --plain --request-timeout 30s >"$bench_dir/overload.log" 2>&1 || true
python3 - "$(ls "$bench_dir"/overload/*/results.json)" "$base" "$overload" <<'PY'
import json, sys
run = json.load(open(sys.argv[1])); base = float(sys.argv[2]); over = float(sys.argv[3])
s = run["scenarios"][0]; iv = s["intervals"]
start = s["start"]
def phase(a, b): return [i for i in iv if a <= i["start"] - start < b and i["duration"] > 0.5]
baseline, during, after = phase(1, 15), phase(15, 35), phase(35, 66)
p99 = sorted(i["stats"]["latency"]["p99"] for i in baseline)[len(baseline) // 2]
print(f"offered: {base:.0f}/s, then {over:.0f}/s for 20 s, then {base:.0f}/s   (n=10, delay 500 ms; limits: 150 per route per target, 400 per route at the gateway)")
print(f"baseline: median p99 {p99:.0f} ms")
tot = lambda xs, k: sum(i["stats"][k] for i in xs)
codes = {}
for i in during:
    for k, v in i["stats"]["statusCodes"].items(): codes[k] = codes.get(k, 0) + v
fails = [i["stats"].get("failLatency") for i in during if i["stats"].get("failLatency")]
shed = codes.get("503", 0)
print(f"overload: {tot(during, 'count')} answered ({codes}), {tot(during, 'dropped')} dropped by the generator's in-flight cap")
if fails:
    print(f"          503s answered in p50 {sorted(f['p50'] for f in fails)[len(fails)//2]:.1f} ms, worst interval p99 {max(f['p99'] for f in fails):.0f} ms (from the intended start)")
print(f"          ok answers p99 up to {max(i['stats']['latency']['p99'] for i in during):.0f} ms")
recovered = next((i for i in after if i["stats"]["latency"]["p99"] <= 1.5 * p99 and i["stats"]["fail"] == 0), None)
if recovered:
    print(f"recovery: p99 back within 1.5x baseline {recovered['start'] + recovered['duration'] - start - 35:.1f} s after the overload stopped")
else:
    print("recovery: not within the 30 s after the overload")
for server in run["servers"]:
    ws = [p["workingSetBytes"] for p in server["samples"] if p.get("workingSetBytes")]
    th = [p["poolThreads"] for p in server["samples"] if p.get("poolThreads")]
    up = sum(1 for p in server["samples"] if p["up"]); n = len(server["samples"])
    print(f"  {server['name']:<24} peak working set {max(ws) / 2**20:6.0f} MiB, peak pool threads {max(th):4.0f}, /metrics answered {up}/{n} scrapes")
PY

if [ "$soak" != "0" ]; then
  cat >"$bench_dir/soak.json" <<JSON
{ "scenarios": [ { "name": "soak", "path": "/api/aggregated/?n=10&delay_ms=500", "warmUp": "5s",
    "load": [ { "simulation": "inject", "rate": $base, "during": "$soak" } ] } ] }
JSON
  handles() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
  threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }
  rss() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
  dotnet src/LoadTests/bin/Release/net10.0/LoadTests.dll --config "$bench_dir/soak.json" --target http://127.0.0.1:5604 \
    "${scrape[@]}" --output "$bench_dir/soak" --plain >"$bench_dir/soak.log" 2>&1 &
  engine=$!
  bench_pids+=("$engine")
  sleep 65
  declare -A first
  for name in "${!pid[@]}"; do first[$name]="$(rss "${pid[$name]}") $(threads "${pid[$name]}") $(handles "${pid[$name]}")"; done
  wait "$engine" || true
  echo "soak: $base/s for $soak; each service after the first minute → at the end (RSS MiB, OS threads, open handles)"
  for name in downstream target-1 target-2 gateway; do
    read -r r t h <<<"${first[$name]}"
    printf '  %-11s RSS %5s → %5s   threads %4s → %4s   handles %5s → %5s\n' "$name" "$r" "$(rss "${pid[$name]}")" "$t" "$(threads "${pid[$name]}")" "$h" "$(handles "${pid[$name]}")"
  done
  grep -E "^│ +soak" "$bench_dir/soak.log" || tail -5 "$bench_dir/soak.log"
fi
