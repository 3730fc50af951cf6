#!/usr/bin/env bash
# Benchmark: one small endpoint (/api/?delay_ms=0) direct, through the gateway (YARP) with HTTP/1.1
# and with HTTP/2 (h2c) to the target, and through nginx (upstream keep-alive), one after another
# in one run, with wrk. Everything shares the machine's cores, as it would on a small box; each
# run is preceded by a 10 s warm-up (JIT tiering takes that long). Reports RPS, p50, p99, the
# ratios, and each proxy's CPU per request (from /proc).
# Target: gateway ≥ 0.9 × nginx's RPS with a p99 no worse than nginx's.
# Usage: bench/gateway-vs-nginx.sh   (env: SECONDS_PER_RUN=10 CONNECTIONS=64 THREADS=2
#        GATEWAY_ENV="VAR=value ..." passed to both gateways, to try a runtime setting)
source "$(dirname "$0")/lib.sh"
seconds=${SECONDS_PER_RUN:-10}
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

build_release TargetApp Gateway
# The target also listens with HTTP/2 only (h2c) on 5204, for the gateway's HTTP/2 run.
start_target_h2c target 5201 5204
start_service gateway Gateway 5202 Gateway__Targets__0=http://127.0.0.1:5201
start_service gateway-h2 Gateway 5205 Gateway__Targets__0=http://127.0.0.1:5204 Gateway__TargetProtocol=Http2
start_nginx 5203 127.0.0.1:5201
declare -A pid=([gateway]=${bench_pids[1]} [gateway-h2]=${bench_pids[2]} [nginx]="${bench_pids[3]} $(pgrep -P "${bench_pids[3]}" | tr '\n' ' ')")

cpu_ticks() { local total=0 p; for p in $1; do total=$((total + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}'))); done; echo "$total"; }

path='/api/?delay_ms=0'
declare -A url=([direct]="http://127.0.0.1:5201$path" [gateway]="http://127.0.0.1:5202$path" [gateway-h2]="http://127.0.0.1:5205$path" [nginx]="http://127.0.0.1:5203$path")
results=()
for name in direct gateway gateway-h2 nginx; do
  wrk -t"$threads" -c"$connections" -d10s "${url[$name]}" >/dev/null   # warm-up: JIT tiers, connection pools
  before=$([ -n "${pid[$name]:-}" ] && cpu_ticks "${pid[$name]}" || echo 0)
  line=$(wrk_run "$name" "${url[$name]}" "$threads" "$connections" "$seconds")
  after=$([ -n "${pid[$name]:-}" ] && cpu_ticks "${pid[$name]}" || echo 0)
  us=$(awk -v t=$((after - before)) -v k="$(getconf CLK_TCK)" -v r="$(echo "$line" | cut -d' ' -f2)" -v s="$seconds" 'BEGIN {printf "%.0f", (t > 0 ? t / k / (r * s) * 1e6 : 0)}')
  results+=("$line $us")
done

echo "wrk -t$threads -c$connections -d${seconds}s, GET $path, $(nproc) cores shared by wrk, proxy and target"
printf '%-10s %9s %8s %8s %8s %14s\n' "" "req/s" "p50 ms" "p99 ms" "non-2xx" "proxy CPU/req"
for line in "${results[@]}"; do
  set -- $line
  printf '%-10s %9s %8s %8s %8s %11s µs\n' "$1" "$2" "$3" "$4" "$5" "$([ "$6" = 0 ] && echo - || echo "$6")"
done
printf '%s\n' "${results[@]}" | awk '
  { rps[$1] = $2; p99[$1] = $4 }
  END {
    printf "\ngateway/direct %.2f, gateway/nginx %.2f, gateway-h2/nginx %.2f, nginx/direct %.2f (target: gateway ≥ 0.90 × nginx)\n", rps["gateway"] / rps["direct"], rps["gateway"] / rps["nginx"], rps["gateway-h2"] / rps["nginx"], rps["nginx"] / rps["direct"]
    printf "p99: gateway %.2f ms, gateway-h2 %.2f ms, nginx %.2f ms (target: no worse than nginx)\n", p99["gateway"], p99["gateway-h2"], p99["nginx"]
  }'
