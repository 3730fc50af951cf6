#!/usr/bin/env bash
# Benchmark: the slow /api/ (1 s) at 5,000 concurrent connections through the gateway to two
# TargetApp replicas: throughput against the ideal (5,000 connections / 1 s = 5,000 req/s) and
# p99. Targets: ≥ 95% of ideal and p99 ≤ 1.10 s. The direct figure (one replica, no gateway) is
# measured first for reference.
# Usage: bench/gateway-5000.sh   (env: CONNECTIONS=5000 SECONDS_PER_RUN=30 DELAY_MS=1000)
source "$(dirname "$0")/lib.sh"
connections=${CONNECTIONS:-5000}
seconds=${SECONDS_PER_RUN:-30}
delay_ms=${DELAY_MS:-1000}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
# 5,000 client sockets plus as many to the replicas; .NET raises its own limit, wrk does not.
ulimit -n "$(ulimit -Hn)"

build_release TargetApp Gateway
start_service target-1 TargetApp 5211
start_service target-2 TargetApp 5212
start_service gateway Gateway 5210 Gateway__Targets__0=http://127.0.0.1:5211 Gateway__Targets__1=http://127.0.0.1:5212

ideal=$(awk -v c="$connections" -v d="$delay_ms" 'BEGIN {printf "%.0f", c / (d / 1000)}')
path="/api/?delay_ms=$delay_ms"
results=()
for name in direct gateway; do
  port=$([ "$name" = direct ] && echo 5211 || echo 5210)
  wrk -t2 -c"$connections" -d5s --timeout 10s "http://127.0.0.1:$port$path" >/dev/null   # warm-up: connections, JIT
  results+=("$(wrk_run "$name" "http://127.0.0.1:$port$path --timeout 10s" 2 "$connections" "$seconds")")
done

echo "wrk -t2 -c$connections -d${seconds}s GET $path; ideal $ideal req/s"
printf '%-8s %10s %8s %10s %10s %8s\n' "" "req/s" "ideal" "p50 ms" "p99 ms" "non-2xx"
for line in "${results[@]}"; do
  set -- $line
  printf '%-8s %10s %7.1f%% %10s %10s %8s\n' "$1" "$2" "$(awk -v r="$2" -v i="$ideal" 'BEGIN {print 100 * r / i}')" "$3" "$4" "$5"
done
echo "targets: gateway ≥ 95% of ideal, p99 ≤ 1100 ms"
grep -h "Socket errors" "$bench_dir"/wrk-*.txt || true
