# Shared by the benchmark scripts: build, start services on loopback, stop them by PID on exit.
# Source it; it sets -euo pipefail and a trap that stops everything started through it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

bench_pids=()
bench_dir=$(mktemp -d /tmp/harness-bench.XXXXXX)
bench_cleanup() {
  for pid in "${bench_pids[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${bench_pids[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
}
trap bench_cleanup EXIT

# project_dir PROJECT: src/PROJECT for Harness's services, bench/PROJECT for the benchmarks' own (BareYarp).
project_dir() {
  if [ -d "src/$1" ]; then echo "src/$1"; else echo "bench/$1"; fi
}

# build_release PROJECT...
build_release() {
  for project in "$@"; do
    dotnet build -c Release "$(project_dir "$project")" -nologo -v quiet >/dev/null
  done
}

# start_service NAME PROJECT PORT [VAR=VALUE...]: a Release build of PROJECT on 127.0.0.1:PORT.
# Every Gateway also gets GATEWAY_ENV ("VAR=value ..."), to try a runtime setting; the script's
# own settings come after it and win. SERVICE_DIR=FOLDER runs the build in FOLDER instead (another
# build of the same project, to compare two versions in one run).
start_service() {
  local name=$1 project=$2 port=$3 extra=()
  shift 3
  [ "$project" = Gateway ] && read -ra extra <<<"${GATEWAY_ENV:-}"
  set -- "${extra[@]}" "$@"
  # From its output folder: ASP.NET Core reads appsettings.json from the working directory, and
  # without it the default log level would write a line per request.
  (cd "${SERVICE_DIR:-$(project_dir "$project")/bin/Release/net10.0}" && exec env "$@" dotnet "$project.dll" --urls "http://127.0.0.1:$port") \
    >"$bench_dir/$name.log" 2>&1 &
  bench_pids+=($!)
  wait_ready "http://127.0.0.1:$port/health/ready" "$name"
}

# start_target_h2c NAME PORT H2C_PORT [VAR=VALUE...]: TargetApp with HTTP/1.1 on PORT and also
# HTTP/2 only (cleartext, h2c) on H2C_PORT, for a gateway with Gateway__TargetProtocol=Http2.
start_target_h2c() {
  local name=$1 port=$2 h2c_port=$3
  shift 3
  start_service "$name" TargetApp "$port" "$@" Kestrel__Endpoints__http__Url="http://127.0.0.1:$port" \
    Kestrel__Endpoints__h2c__Url="http://127.0.0.1:$h2c_port" Kestrel__Endpoints__h2c__Protocols=Http2
}

# start_bare_yarp NAME PORT DESTINATION [VAR=VALUE...]: bench/BareYarp (one route, one destination) on PORT.
start_bare_yarp() {
  start_service "$1" BareYarp "$2" "${@:4}" ReverseProxy__Clusters__target__Destinations__only__Address="$3"
}

# wait_ready URL NAME: polls for up to 30 s.
wait_ready() {
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "$2 did not become ready at $1; its log:" >&2
  tail -20 "$bench_dir/$2.log" >&2 || true
  exit 1
}

# start_nginx PORT UPSTREAM: nginx as a keep-alive reverse proxy for /api/ to UPSTREAM (host:port).
start_nginx() {
  local port=$1 upstream=$2
  command -v nginx >/dev/null || { echo "nginx is needed: apt-get install nginx" >&2; exit 1; }
  mkdir -p "$bench_dir/nginx"
  cat >"$bench_dir/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $bench_dir/nginx/nginx.pid;
error_log $bench_dir/nginx/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  upstream target { server $upstream; keepalive 256; }
  server {
    listen 127.0.0.1:$port backlog=8192;
    location /api/ {
      proxy_pass http://target;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
  nginx -p "$bench_dir/nginx" -c "$bench_dir/nginx/nginx.conf" -g 'daemon off;' &
  bench_pids+=($!)
  for _ in $(seq 1 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
    sleep 0.1
  done
  echo "nginx did not start; see $bench_dir/nginx/error.log" >&2
  exit 1
}

# wrk_run NAME URL THREADS CONNECTIONS SECONDS: prints "NAME rps p50_ms p99_ms".
wrk_run() {
  local out
  out=$(wrk -t"$3" -c"$4" -d"$5"s --latency $2)
  echo "$out" >"$bench_dir/wrk-$1.txt"
  echo "$out" | awk -v name="$1" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /Non-2xx/ { errors = $NF }
    /Socket errors/ { socket = $0 }
    END { printf "%s %.0f %.3f %.3f %s\n", name, rps, p50, p99, (errors == "" ? 0 : errors) }'
}

# stat_ticks STAT_FILE: user + system CPU clock ticks from a /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat
# (the fields after the command name, which may hold spaces).
stat_ticks() {
  sed 's/.*) //' "$1" 2>/dev/null | awk '{print $12 + $13}'
}

# tiering_ticks PID: "tid ticks" for each of the process's JIT tiering threads (".NET Tiered Com…").
# The runtime starts such a thread when it has methods to recompile and ends it when idle.
tiering_ticks() {
  local task
  for task in /proc/"$1"/task/*; do
    [[ $(cat "$task/comm" 2>/dev/null) == ".NET Tiered"* ]] || continue
    echo "${task##*/} $(stat_ticks "$task/stat")"
  done
}

# warm_up NAME URL PID THREADS CONNECTIONS MIN_SECONDS: wrk in 5 s slices until MIN_SECONDS have
# passed and the process's JIT tiering threads used under 1% of a core in the last slice (at most
# 90 s). A .NET proxy under load keeps recompiling hot methods (tier 0, instrumented, tier 1) for
# 15-30 s on two cores, longer when the machine is busy; measured before that, a round pays for
# its JIT. Without a PID (nginx, or a process not tracked) it warms up for MIN_SECONDS.
warm_up() {
  local name=$1 url=$2 pid=$3 threads=$4 connections=$5 min=$6 elapsed=0 before after used
  while :; do
    before=$([ -n "$pid" ] && tiering_ticks "$pid" || true)
    wrk -t"$threads" -c"$connections" -d5s "$url" >/dev/null
    elapsed=$((elapsed + 5))
    [ -z "$pid" ] && { [ "$elapsed" -ge "$min" ] && break || continue; }
    after=$(tiering_ticks "$pid")
    # Ticks per thread id, so that a tiering thread started or ended during the slice is counted right.
    used=$(awk 'NR == FNR { b[$1] = $2; next } { u += $2 - ($1 in b ? b[$1] : 0) } END { print u + 0 }' <(echo "$before") <(echo "$after"))
    if [ "$elapsed" -ge "$min" ] && [ "$used" -le $((5 * $(getconf CLK_TCK) / 100)) ]; then break; fi
    [ "$elapsed" -ge 90 ] && { echo "$name: JIT tiering still busy after 90 s of warm-up; measuring anyway" >&2; break; }
  done
  echo "$name warmed up for ${elapsed}s" >&2
}
