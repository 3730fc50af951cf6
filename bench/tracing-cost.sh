#!/usr/bin/env bash
# What tracing to the Aspire dashboard costs the measurement: the compare suite through the
# gateway with every service exporting traces, metrics and logs to the dashboard (OTLP, the
# default head sampling Tracing:SampleRatio=0.1), against the same suite without an exporter, in
# alternating rounds (off/on, on/off, ...), each on freshly started services. Prints each run's
# ok req/s and p99 per mode, then the on/off ratios per round and their median.
# Usage: bench/tracing-cost.sh [ROUNDS] [USERS] [PROFILE] [MODES]   (defaults 3, 40, smoke, every
#        mode; MODES is a comma-separated list for --scenario, e.g. sync,async, to give a few modes
#        longer runs and more rounds in the same time)
source "$(dirname "$0")/lib.sh"
rounds=${1:-3} users=${2:-40} profile=${3:-smoke} modes=${4:-}

build_release TargetApp Gateway LoadTests Harness.Hosting
dashboard=$(dotnet msbuild src/Harness.Hosting/Harness.Hosting.csproj -getProperty:AspireDashboardPath -p:Configuration=Release)
[ -x "$dashboard" ] || { echo "no Aspire dashboard executable at '$dashboard' (the package is referenced on linux-x64 only)" >&2; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ui=$(free_port) otlp=$(free_port) grpc=$(free_port)
ASPNETCORE_URLS="http://127.0.0.1:$ui" ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL="http://127.0.0.1:$otlp" \
  ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL="http://127.0.0.1:$grpc" ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true \
  "$dashboard" >"$bench_dir/dashboard.log" 2>&1 &
bench_pids+=($!)
wait_ready "http://127.0.0.1:$ui/api/telemetry/resources" dashboard

# run LABEL TRACING(on|off): fresh downstream, target and gateway, one compare suite, then stopped.
run() {
  local label=$1 tracing=$2 first=${#bench_pids[@]} env=() ds tg gw
  ds=$(free_port) tg=$(free_port) gw=$(free_port)
  [ "$tracing" = on ] && env=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$otlp" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf)
  start_service "$label-downstream" TargetApp "$ds" "${env[@]}" OTEL_SERVICE_NAME=downstream
  start_service "$label-target" TargetApp "$tg" "${env[@]}" OTEL_SERVICE_NAME=target Downstream__BaseUrl="http://127.0.0.1:$ds"
  start_service "$label-gateway" Gateway "$gw" "${env[@]}" OTEL_SERVICE_NAME=gateway Gateway__Targets__0="http://127.0.0.1:$tg"
  dotnet src/LoadTests/bin/Release/net10.0/LoadTests.dll --target "http://127.0.0.1:$gw" --suite compare --profile "$profile" \
    --users "$users" ${modes:+--scenario "$modes"} --plain --output "$bench_dir/$label" --scrape "http://127.0.0.1:$tg/metrics" >"$bench_dir/$label.txt" 2>&1 || true
  for pid in "${bench_pids[@]:$first}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${bench_pids[@]:$first}"; do wait "$pid" 2>/dev/null || true; done
  bench_pids=("${bench_pids[@]:0:$first}")
  python3 - "$bench_dir/$label" "$label" <<'PY'
import glob, json, sys
d = json.load(open(glob.glob(sys.argv[1] + "/*/results.json")[0]))
print(sys.argv[2], " ".join(f"{s['name']}={s['stats']['okRps']:.1f}/{s['stats']['latency']['p99']:.0f}ms" for s in d["scenarios"]))
PY
}

echo "run: mode=ok req/s / p99 (compare suite, profile $profile, $users users, through the gateway)"
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then run "r$r-off" off; run "r$r-on" on; else run "r$r-on" on; run "r$r-off" off; fi
done

python3 - "$bench_dir" "$rounds" <<'PY'
import glob, json, statistics, sys
base, rounds = sys.argv[1], int(sys.argv[2])
def load(label):
    d = json.load(open(glob.glob(f"{base}/{label}/*/results.json")[0]))
    return {s["name"]: (s["stats"]["okRps"], s["stats"]["latency"]["p99"]) for s in d["scenarios"]}
modes = list(load("r1-off"))
print("\non/off ratios per round (throughput, p99); median last")
for mode in modes:
    tput, p99 = [], []
    for r in range(1, rounds + 1):
        off, on = load(f"r{r}-off")[mode], load(f"r{r}-on")[mode]
        tput.append(on[0] / off[0] if off[0] else float("nan")); p99.append(on[1] / off[1] if off[1] else float("nan"))
    print(f"{mode:16} req/s {' '.join(f'{x:.2f}' for x in tput)}  median {statistics.median(tput):.2f}   "
          f"p99 {' '.join(f'{x:.2f}' for x in p99)}  median {statistics.median(p99):.2f}")
PY
