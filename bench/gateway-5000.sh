#!/usr/bin/env bash
# Benchmark: the slow /api/ (1 s) at CONNECTIONS (5,000; 10,000 is the target) concurrent
# connections through the gateway to two TargetApp replicas: throughput against the ideal
# (CONNECTIONS / 1 s req/s) and p99. Targets: ≥ 95% of ideal over the whole run and p99 ≤ 1.10 s in
# the steady state. Runs: direct to one replica (no gateway, for reference), through the gateway
# with HTTP/2 (h2c) to the replicas (what Harness's own stack uses), and with HTTP/1.1 (the default
# for someone else's service) when the file-descriptor limit allows its one upstream connection per
# request in flight. Each run opens its connections at once, and that storm is part of the figure:
# the gateway's connections to the replicas are multiplexed (HTTP/2) and the services' accept
# backlog is the kernel's maximum (Server:ListenBacklog), so a 60 s run loses little to it.
# Usage: bench/gateway-5000.sh   (env: CONNECTIONS=5000 SECONDS_PER_RUN=60 DELAY_MS=1000
#        RUNS="direct gateway-h2 gateway" GATEWAY_ENV="VAR=value ..." passed to both gateways;
#        add bare-yarp-h2 to RUNS for bench/BareYarp to the same replicas over h2c, YARP's own ceiling)
#        CONNECTIONS=10000 bench/gateway-5000.sh   for the 10,000-connection figures
source "$(dirname "$0")/lib.sh"
connections=${CONNECTIONS:-5000}
seconds=${SECONDS_PER_RUN:-60}
delay_ms=${DELAY_MS:-1000}
read -ra runs <<<"${RUNS:-direct gateway-h2 gateway}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
# Every client socket, and with HTTP/1.1 as many to the replicas; .NET raises its own limit to the
# hard one, wrk does not, so the script raises it for itself and everything it starts.
ulimit -n "$(ulimit -Hn)"
if [[ " ${runs[*]} " == *" gateway "* ]] && ((2 * connections + 1000 > $(ulimit -Hn))); then
  echo "skipping gateway (HTTP/1.1 to the replicas): $connections client and $connections upstream sockets exceed the file-descriptor limit $(ulimit -Hn)" >&2
  kept=(); for run in "${runs[@]}"; do [ "$run" = gateway ] || kept+=("$run"); done; runs=("${kept[@]}")
fi

build_release TargetApp Gateway
# Each replica also listens with HTTP/2 only (h2c) on 5213/5214, for the gateway-h2 run.
start_target_h2c target-1 5211 5213
start_target_h2c target-2 5212 5214
# The per-route limit (Limits:MaxConcurrentRequests, 10,000) is the gateway's overload protection;
# here every connection keeps one request in flight, and the warm-up's last requests may still be
# finishing when the run starts, so it gets headroom above the connection count.
limit=$((connections * 3 / 2 > 10000 ? connections * 3 / 2 : 10000))
start_service gateway Gateway 5210 Gateway__Targets__0=http://127.0.0.1:5211 Gateway__Targets__1=http://127.0.0.1:5212 \
  Limits__MaxConcurrentRequests=$limit
start_service gateway-h2 Gateway 5215 Gateway__Targets__0=http://127.0.0.1:5213 Gateway__Targets__1=http://127.0.0.1:5214 \
  Gateway__TargetProtocol=Http2 Limits__MaxConcurrentRequests=$limit
if [[ " ${runs[*]} " == *" bare-yarp-h2 "* ]]; then
  # The ceiling of YARP itself on this machine: bench/BareYarp to the same two replicas over h2c,
  # with the same accept backlog as the gateway and nothing else.
  build_release BareYarp
  start_bare_yarp bare-yarp-h2 5216 http://127.0.0.1:5213/ ReverseProxy__Clusters__target__Destinations__second__Address=http://127.0.0.1:5214/ \
    ReverseProxy__Clusters__target__HttpRequest__Version=2 ReverseProxy__Clusters__target__HttpRequest__VersionPolicy=RequestVersionExact \
    ListenBacklog=4096
fi

ideal=$(awk -v c="$connections" -v d="$delay_ms" 'BEGIN {printf "%.0f", c / (d / 1000)}')
# wrk counts only the answers that arrive within its run: each connection's last request, still in
# flight when the run ends, is lost. So even a server with no overhead at all shows at most
# floor(seconds / delay) answers per connection: 59 of 60 in a 60 s run, 98.3% of the ideal.
ceiling=$(awk -v c="$connections" -v d="$delay_ms" -v s="$seconds" 'BEGIN {
  n = int(s * 1000 / d); if (n * d == s * 1000) n--   # every answer takes a little over delay_ms
  printf "%.0f", c * n / s }')
path="/api/?delay_ms=$delay_ms"
# The server's own /api/ duration histogram (its /metrics, 200s only): "le count" per bucket.
histogram() {
  curl -fs "http://127.0.0.1:$1/metrics" | grep '^http_server_request_duration_seconds_bucket' |
    grep 'http_route="/api/"' | grep 'status_code="200"' | sed 's/.*le="\([^"]*\)"} \(.*\)/\1 \2/'
}
# share_within BEFORE AFTER LE: percentage of the requests between two snapshots that took ≤ LE s.
share_within() {
  paste <(echo "$1") <(echo "$2") | awk -v le="$3" '
    { d = $4 - $2; if ($1 == le) within = d; if ($1 == "+Inf") total = d }
    END { if (total > 0) printf "%.2f", 100 * within / total; else printf "-" }'
}

results=()
declare -A port=([direct]=5211 [gateway]=5210 [gateway-h2]=5215 [bare-yarp-h2]=5216)
for name in "${runs[@]}"; do
  wrk -t2 -c"$connections" -d5s --timeout 10s "http://127.0.0.1:${port[$name]}$path" >/dev/null   # warm-up: connections, JIT
  wrk_run "$name" "http://127.0.0.1:${port[$name]}$path --timeout 10s" 2 "$connections" "$seconds" >"$bench_dir/line-$name" &
  run=$!
  # The second half of the run, as the server measured it: past the start's connection storm.
  sleep "$((seconds / 2))"
  half=$(histogram "${port[$name]}" || true)   # bare YARP has no /metrics: "-"
  wait "$run"
  steady=$(share_within "$half" "$(histogram "${port[$name]}" || true)" 1.1)
  results+=("$(cat "$bench_dir/line-$name") $steady")
done

echo "wrk -t2 -c$connections -d${seconds}s GET $path; ideal $ideal req/s; wrk's ceiling in ${seconds}s $ceiling req/s"
printf '%-10s %8s %8s %10s %9s %9s %8s %18s\n' "" "req/s" "ideal" "of ceiling" "p50 ms" "p99 ms" "non-2xx" "2nd half ≤ 1.10 s"
for line in "${results[@]}"; do
  set -- $line
  printf '%-10s %8s %7.1f%% %9.1f%% %9s %9s %8s %17s%%\n' "$1" "$2" "$(awk -v r="$2" -v i="$ideal" 'BEGIN {print 100 * r / i}')" \
    "$(awk -v r="$2" -v i="$ceiling" 'BEGIN {print 100 * r / i}')" "$3" "$4" "$5" "$6"
done
echo "targets: gateway ≥ 95% of ideal, p99 ≤ 1100 ms (wrk's figures, whole run)"
echo "last column: share of the run's second half that the server itself answered within 1.10 s (≥ 99% is a p99 ≤ 1.10 s)"
for name in "${runs[@]}"; do
  echo "$name: $(grep -h "Socket errors" "$bench_dir/wrk-$name.txt" || echo "no socket errors (no connection refused, reset or timed out)")"
done
