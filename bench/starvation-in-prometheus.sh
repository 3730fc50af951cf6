#!/usr/bin/env bash
# The starvation panels without Docker: a Release stack on fixed loopback ports (downstream,
# two targets, gateway), a real Prometheus scraping it with the repository's prometheus.yml
# (targets rewritten for loopback), the compare suite driven through the gateway with the
# engine's own metrics on :9464, then screenshots of the Prometheus graphs the "Async vs sync"
# dashboard draws (headless Chromium). Writes docs/images/prometheus-*.png.
# Needs: apt-get install prometheus chromium.
# Usage: bench/starvation-in-prometheus.sh   (env: SCENARIOS=async,sync_over_async,sync USERS=40)
source "$(dirname "$0")/lib.sh"
scenarios=${SCENARIOS:-async,sync_over_async,sync}
users=${USERS:-40}
command -v prometheus >/dev/null || { echo "prometheus is needed: apt-get install prometheus" >&2; exit 1; }
command -v chromium >/dev/null || { echo "chromium is needed: apt-get install chromium" >&2; exit 1; }

build_release TargetApp Gateway LoadTests
start_service downstream TargetApp 5501
start_service target-1 TargetApp 5502 Downstream__BaseUrl=http://127.0.0.1:5501
start_service target-2 TargetApp 5503 Downstream__BaseUrl=http://127.0.0.1:5501
start_service gateway Gateway 5504 Gateway__Targets__0=http://127.0.0.1:5502 Gateway__Targets__1=http://127.0.0.1:5503

sed -e "s/'gateway:8080'/'127.0.0.1:5504'/" -e "s/'target-1:8080'/'127.0.0.1:5502'/" -e "s/'target-2:8080'/'127.0.0.1:5503'/" \
    -e "s/'downstream:8080'/'127.0.0.1:5501'/" -e "s/'loadtests:9464'/'127.0.0.1:9464'/" -e "s/'localhost:9090'/'127.0.0.1:9390'/" \
    observability/prometheus/prometheus.yml >"$bench_dir/prometheus.yml"
prometheus --config.file="$bench_dir/prometheus.yml" --storage.tsdb.path="$bench_dir/tsdb" \
  --web.listen-address=127.0.0.1:9390 >"$bench_dir/prometheus.log" 2>&1 &
bench_pids+=($!)
wait_ready http://127.0.0.1:9390/-/ready prometheus

started=$(date +%s)
dotnet src/LoadTests/bin/Release/net10.0/LoadTests.dll --target http://127.0.0.1:5504 \
  --scrape http://127.0.0.1:5501/metrics --scrape http://127.0.0.1:5502/metrics --scrape http://127.0.0.1:5503/metrics --scrape http://127.0.0.1:5504/metrics \
  --metrics-port 9464 --scenario "$scenarios" --users "$users" --output "$bench_dir/reports" --plain | tail -20
sleep 4   # one more scrape of everything after the load
minutes=$(( ($(date +%s) - started) / 60 + 2 ))

mkdir -p docs/images
shot() {
  local name=$1 expr=$2 encoded
  encoded=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$expr")
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,900 --virtual-time-budget=8000 \
    --screenshot="docs/images/prometheus-$name.png" \
    "http://127.0.0.1:9390/graph?g0.expr=$encoded&g0.tab=0&g0.range_input=${minutes}m&g0.stacked=0&g0.show_exemplars=0" >/dev/null 2>&1
  echo "docs/images/prometheus-$name.png: $expr"
}
shot threads 'harness_thread_pool_threads{job="target"}'

shot throughput 'sum by (mode) (rate(harness_aggregation_duration_seconds_count{job="target"}[30s]))'
