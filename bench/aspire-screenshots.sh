#!/usr/bin/env bash
# The Aspire dashboard's trace view of one async and one sync aggregation through the gateway,
# taken in headless Chromium: the screenshots in docs/observability.md. The dashboard runs from
# its NuGet package (restored with the solution), the services export to it over OTLP, and each
# request carries a sampled traceparent so that it is recorded whatever Tracing:SampleRatio says.
# Needs: apt-get install chromium nodejs. Usage: bench/aspire-screenshots.sh [OUT_DIR] (default docs/images)
source "$(dirname "$0")/lib.sh"
out=${1:-docs/images}
command -v chromium >/dev/null || { echo "chromium is needed: apt-get install chromium" >&2; exit 1; }
command -v node >/dev/null || { echo "node (20 or later) is needed: apt-get install nodejs" >&2; exit 1; }

build_release TargetApp Gateway Harness.Hosting
dashboard=$(dotnet msbuild src/Harness.Hosting/Harness.Hosting.csproj -getProperty:AspireDashboardPath -p:Configuration=Release)
[ -x "$dashboard" ] || { echo "no Aspire dashboard executable at '$dashboard' (the package is referenced on linux-x64 only)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ui=$(free_port) otlp=$(free_port) grpc=$(free_port) downstream=$(free_port) target=$(free_port) gateway=$(free_port)

ASPNETCORE_URLS="http://127.0.0.1:$ui" ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL="http://127.0.0.1:$otlp" \
  ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL="http://127.0.0.1:$grpc" ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true \
  Dashboard__Api__AuthMode=Unsecured "$dashboard" >"$bench_dir/dashboard.log" 2>&1 &
bench_pids+=($!)
wait_ready "http://127.0.0.1:$ui/api/telemetry/resources" dashboard

otel() { echo "OTEL_SERVICE_NAME=$1 OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$otlp OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf OTEL_BSP_SCHEDULE_DELAY=200 OTEL_BLRP_SCHEDULE_DELAY=200"; }
# shellcheck disable=SC2046
start_service downstream TargetApp "$downstream" $(otel downstream)
# shellcheck disable=SC2046
start_service target TargetApp "$target" $(otel target) Downstream__BaseUrl="http://127.0.0.1:$downstream"
# shellcheck disable=SC2046
start_service gateway Gateway "$gateway" $(otel gateway) Gateway__Targets__0="http://127.0.0.1:$target"

# A first request pays for JIT and new connections; warm both routes up, unsampled (not recorded).
for route in /api/aggregated/ /api/aggregated_sync/; do
  curl -fsS -o /dev/null -H "traceparent: 00-$(python3 -c 'import secrets; print(secrets.token_hex(16))')-00f067aa0ba902b7-00" \
    "http://127.0.0.1:$gateway$route?n=5&delay_ms=10"
done

# trace ROUTE NAME: one aggregation (n=5, 400 ms calls) with a sampled traceparent, then its trace view.
trace() {
  local route=$1 name=$2 id spans
  id=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  curl -fsS -o /dev/null -H "traceparent: 00-$id-$(python3 -c 'import secrets; print(secrets.token_hex(8))')-01" \
    "http://127.0.0.1:$gateway$route?n=5&delay_ms=400"
  for _ in $(seq 1 100); do
    spans=$(curl -fs "http://127.0.0.1:$ui/api/telemetry/traces/$id" | python3 -c 'import json, sys; print(json.load(sys.stdin)["totalCount"])' 2>/dev/null || echo 0)
    # gateway server + client, target server + aggregate + 5 clients, 5 downstream servers
    [ "$spans" -ge 14 ] && break
    sleep 0.2
  done
  echo "$name: trace $id, $spans spans"
  # The dashboard draws its pages over a live connection after load: wait for the span names.
  node --experimental-websocket --no-warnings bench/page-screenshot.mjs \
    "http://127.0.0.1:$ui/traces/detail/$id" "$out/aspire-trace-$name.png" "aggregate $name" 1400 860
}
trace /api/aggregated/ async
trace /api/aggregated_sync/ sync
echo "screenshots in $out: aspire-trace-async.png, aspire-trace-sync.png"
