#!/usr/bin/env bash
# Benchmark: one small endpoint (/api/?delay_ms=0) direct, through bare YARP (bench/BareYarp: the
# same YARP, one route, one destination, nothing else), through Harness's Gateway with HTTP/1.1 and
# with HTTP/2 (h2c) to the target, and through nginx (upstream keep-alive), with wrk. Everything
# shares the machine's cores, as it would on a small box, so what counts are the ratios: each
# round runs every peer once, one after another, and the table shows the medians over the rounds.
# Each peer is first warmed up for at least WARMUP_SECONDS, and each .NET proxy until its JIT
# tiering is done (15-30 s under this load on two cores, longer on a busy machine). Reports RPS, p50, p99, each proxy's CPU per request (its utime + stime from /proc over the run), the Gateways'
# bytes allocated per request (their own dotnet.gc.heap.total_allocated), and the ratios.
# Targets: gateway ≥ 0.95 × bare YARP in RPS and in CPU per request.
# Usage: bench/gateway-vs-nginx.sh   (env: ROUNDS=3 SECONDS_PER_RUN=8 WARMUP_SECONDS=20 CONNECTIONS=64
#        THREADS=2 PEERS="direct bare-yarp gateway gateway-h2 nginx" GATEWAY_ENV="VAR=value ..."
#        passed to both gateways, to try a runtime setting; BASELINE_GATEWAY=FOLDER adds the peer
#        gateway-before, the Gateway build in FOLDER, e.g. a copy of src/Gateway/bin/Release/net10.0
#        taken before a change, so that the change is measured against it in the same rounds)
source "$(dirname "$0")/lib.sh"
rounds=${ROUNDS:-3}
seconds=${SECONDS_PER_RUN:-8}
warmup=${WARMUP_SECONDS:-20}
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}
read -ra peers <<<"${PEERS:-direct bare-yarp gateway gateway-h2 nginx}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

build_release TargetApp Gateway BareYarp
# The target also listens with HTTP/2 only (h2c) on 5204, for the gateway's HTTP/2 run.
start_target_h2c target 5201 5204
declare -A pid
start_service gateway Gateway 5202 Gateway__Targets__0=http://127.0.0.1:5201
pid[gateway]=${bench_pids[-1]}
start_service gateway-h2 Gateway 5205 Gateway__Targets__0=http://127.0.0.1:5204 Gateway__TargetProtocol=Http2
pid[gateway-h2]=${bench_pids[-1]}
start_bare_yarp bare-yarp 5206 http://127.0.0.1:5201/
pid[bare-yarp]=${bench_pids[-1]}
start_nginx 5203 127.0.0.1:5201
pid[nginx]="${bench_pids[-1]} $(pgrep -P "${bench_pids[-1]}" | tr '\n' ' ')"
if [ -n "${BASELINE_GATEWAY:-}" ]; then
  SERVICE_DIR=$BASELINE_GATEWAY start_service gateway-before Gateway 5207 Gateway__Targets__0=http://127.0.0.1:5201
  pid[gateway-before]=${bench_pids[-1]}
fi

# The Gateways' own count of bytes allocated (System.Runtime's dotnet.gc.heap.total_allocated), for B/request.
allocated() { curl -fs "http://127.0.0.1:$1/metrics" | awk '/^dotnet_gc_heap_total_allocated_bytes/ {print $2}'; }
cpu_ticks() { local total=0 p; for p in $1; do total=$((total + $(stat_ticks "/proc/$p/stat"))); done; echo "$total"; }

path='/api/?delay_ms=0'
declare -A port=([direct]=5201 [bare-yarp]=5206 [gateway]=5202 [gateway-h2]=5205 [nginx]=5203 [gateway-before]=5207)
# JIT tiers and connection pools: each .NET proxy until its tiering is done (warm_up in lib.sh).
for name in "${peers[@]}"; do
  proxy_pid=$([[ $name == nginx ]] || [ -z "${pid[$name]:-}" ] || echo "${pid[$name]}")
  warm_up "$name" "http://127.0.0.1:${port[$name]}$path" "$proxy_pid" "$threads" "$connections" "$warmup"
done

# One line per peer and round: "NAME rps p50 p99 non2xx cpu_us_per_request round bytes_per_request".
# Each round starts one peer further along (A B C, B C A, C A B, ...), so that no peer always runs
# right after the same other one: the machine's drift within a round falls on every peer alike.
for round in $(seq 1 "$rounds"); do
  shift_by=$(( (round - 1) % ${#peers[@]} ))
  for name in "${peers[@]:shift_by}" "${peers[@]:0:shift_by}"; do
    allocated_before=$([[ $name == gateway* ]] && allocated "${port[$name]}" || echo 0)
    before=$([ -n "${pid[$name]:-}" ] && cpu_ticks "${pid[$name]}" || echo 0)
    line=$(wrk_run "$name-$round" "http://127.0.0.1:${port[$name]}$path" "$threads" "$connections" "$seconds")
    after=$([ -n "${pid[$name]:-}" ] && cpu_ticks "${pid[$name]}" || echo 0)
    allocated_after=$([[ $name == gateway* ]] && allocated "${port[$name]}" || echo 0)
    us=$(awk -v t=$((after - before)) -v k="$(getconf CLK_TCK)" -v r="$(echo "$line" | cut -d' ' -f2)" -v s="$seconds" 'BEGIN {printf "%.1f", (t > 0 ? t / k / (r * s) * 1e6 : 0)}')
    bytes=$(awk -v a="$allocated_before" -v b="$allocated_after" -v r="$(echo "$line" | cut -d' ' -f2)" -v s="$seconds" 'BEGIN {printf "%.0f", (b > a ? (b - a) / (r * s) : 0)}')
    echo "${line/#$name-$round/$name} $us $round $bytes" | tee -a "$bench_dir/rounds.txt" >&2
  done
done

echo "wrk -t$threads -c$connections -d${seconds}s, GET $path, $rounds alternating rounds (medians), $(nproc) cores shared by wrk, proxy and target"
awk -v order="${peers[*]}" '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function range(ratios,   n, a, i, lo, hi) {
    n = split(ratios, a, " "); lo = hi = a[1]
    for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
    return sprintf("%.2f–%.2f", lo, hi)
  }
  { rps[$1] = rps[$1] " " $2; p50[$1] = p50[$1] " " $3; p99[$1] = p99[$1] " " $4; bad[$1] += $5; cpu[$1] = cpu[$1] " " $6; alloc[$1] = alloc[$1] " " $8
    r[$1, $7] = $2; c[$1, $7] = $6; if ($7 > last) last = $7 }
  END {
    printf "%-14s %9s %8s %8s %8s %14s %10s\n", "", "req/s", "p50 ms", "p99 ms", "non-2xx", "proxy CPU/req", "alloc/req"
    n = split(order, names, " ")
    for (i = 1; i <= n; i++) {
      k = names[i]; m[k] = median(rps[k]); u[k] = median(cpu[k])
      a = median(alloc[k])
      printf "%-14s %9.0f %8.3f %8.3f %8d %11s µs %8s B\n", k, m[k], median(p50[k]), median(p99[k]), bad[k], (u[k] > 0 ? sprintf("%.1f", u[k]) : "-"), (a > 0 ? a : "-")
    }
    print ""
    if (("gateway", 1) in r && ("bare-yarp", 1) in r) {
      for (j = 1; j <= last; j++) { rr = rr " " r["gateway", j] / r["bare-yarp", j]; cc = cc " " c["bare-yarp", j] / c["gateway", j] }
      printf "gateway / bare YARP, median of the rounds: req/s %.2f (%s), CPU per request %.2f (%s; bare ÷ gateway, so higher is better); target ≥ 0.95 for both\n",
        median(rr), range(rr), median(cc), range(cc)
    }
    if (("gateway-before", 1) in r && ("gateway", 1) in r) {
      rr = cc = ""
      for (j = 1; j <= last; j++) { rr = rr " " r["gateway", j] / r["gateway-before", j]; cc = cc " " c["gateway-before", j] / c["gateway", j] }
      printf "gateway / gateway-before, median of the rounds: req/s %.2f (%s), CPU per request %.2f (%s)\n", median(rr), range(rr), median(cc), range(cc)
    }
    if (("gateway-h2", 1) in r && ("bare-yarp", 1) in r) printf "gateway-h2 / bare YARP %.2f\n", m["gateway-h2"] / m["bare-yarp"]
    if (("nginx", 1) in r) {
      for (i = 1; i <= n; i++) if (names[i] != "nginx") printf "%s / nginx %.2f   ", names[i], m[names[i]] / m["nginx"]
      print ""
    }
  }' "$bench_dir/rounds.txt"
