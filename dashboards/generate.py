#!/usr/bin/env python3
"""Generates the Grafana dashboards in this folder (python3 dashboards/generate.py).

The JSON files are what Grafana loads and what the dashboard test queries; edit this script and
regenerate rather than editing the JSON by hand, so every panel keeps a unit, a description and
the provisioned datasource uid.
"""
import json
import os

DS = {"type": "prometheus", "uid": "harness-prometheus"}

# The Aspire dashboard of docker compose (ASPIRE_DASHBOARD_PORT): where a mode's traces are. Its
# trace list filters on the span attribute the TargetApp sets on every aggregation, harness.mode.
ASPIRE = "http://localhost:18888"


def trace_links(label):
    """Links from a panel that shows modes to their traces: one for the panel, one per series."""
    return (
        [{"title": "Traces in the Aspire dashboard", "url": f"{ASPIRE}/traces", "targetBlank": True}],
        [{"title": f"Traces of ${{__field.labels.{label}}} in the Aspire dashboard",
          "url": f"{ASPIRE}/traces?filters=harness.mode:equals:${{__field.labels.{label}}}", "targetBlank": True}],
    )

class Board:
    def __init__(self, uid, title, description, tags):
        self.uid, self.title, self.description, self.tags = uid, title, description, tags
        self.panels, self.y, self.x, self.row_h, self.next_id = [], 0, 0, 0, 1
        self.variables = []

    def var_query(self, name, label, query, multi=True, include_all=True, hide=0):
        self.variables.append({
            "name": name, "label": label, "type": "query", "datasource": DS,
            "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery", "qryType": 1},
            "definition": query, "refresh": 2, "multi": multi, "includeAll": include_all,
            "allValue": ".*" if include_all else None, "current": {"selected": True, "text": ["All"], "value": ["$__all"]} if include_all else {},
            "sort": 1, "hide": hide, "options": [], "regex": "",
        })

    def row(self, title):
        self._newline()
        self.panels.append({"type": "row", "title": title, "collapsed": False, "id": self._id(),
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.y += 1

    def _newline(self):
        if self.x:
            self.y += self.row_h
            self.x, self.row_h = 0, 0

    def _id(self):
        i = self.next_id; self.next_id += 1; return i

    def panel(self, title, targets, unit, description, w=12, h=8, kind="timeseries", min0=True, stack=False, decimals=None, legend_calcs=("mean", "max", "lastNotNull"), thresholds=None, max_value=None, traces_by=None):
        if self.x + w > 24:
            self._newline()
        defaults = {"unit": unit, "custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 8 if not stack else 40,
                    "showPoints": "never", "spanNulls": False, "stacking": {"mode": "normal" if stack else "none", "group": "A"}}}
        if min0: defaults["min"] = 0
        if max_value is not None: defaults["max"] = max_value
        if decimals is not None: defaults["decimals"] = decimals
        if thresholds: defaults["thresholds"] = {"mode": "absolute", "steps": thresholds}
        panel = {
            "type": kind, "title": title, "description": description, "id": self._id(), "datasource": DS,
            "gridPos": {"h": h, "w": w, "x": self.x, "y": self.y},
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "targets": [dict(datasource=DS, refId=chr(65 + i), expr=t[0], legendFormat=t[1], range=True, instant=False) for i, t in enumerate(targets)],
        }
        if traces_by:
            panel["links"], defaults["links"] = trace_links(traces_by)
        if kind == "timeseries":
            panel["options"] = {"legend": {"displayMode": "table", "placement": "bottom", "calcs": list(legend_calcs), "showLegend": True},
                                "tooltip": {"mode": "multi", "sort": "desc"}}
        elif kind == "bargauge":
            panel["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "orientation": "horizontal",
                                "displayMode": "gradient", "showUnfilled": True, "namePlacement": "left", "valueMode": "color"}
            panel["fieldConfig"]["defaults"].pop("custom")
            for t in panel["targets"]: t["range"], t["instant"] = False, True
        elif kind == "stat":
            panel["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "colorMode": "value", "graphMode": "area", "textMode": "auto"}
            panel["fieldConfig"]["defaults"].pop("custom")
            for t in panel["targets"]: t["range"], t["instant"] = False, True
        self.panels.append(panel)
        self.x += w
        self.row_h = max(self.row_h, h)

    def json(self):
        return {
            "uid": self.uid, "title": self.title, "description": self.description, "tags": self.tags,
            "editable": False, "graphTooltip": 1, "refresh": "5s", "schemaVersion": 41, "version": 1,
            "time": {"from": "now-15m", "to": "now"}, "timepicker": {"refresh_intervals": ["2s", "5s", "10s", "30s", "1m"]},
            "timezone": "browser", "fiscalYearStartMonth": 0, "liveNow": False, "weekStart": "",
            "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True, "hide": True,
                                      "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"}]},
            "links": [{"title": "Harness dashboards", "type": "dashboards", "tags": ["harness"], "asDropdown": True, "includeVars": False, "keepTime": True}],
            "templating": {"list": self.variables}, "panels": self.panels,
        }

SEL = 'job=~"$job", instance=~"$instance"'
MODE = 'job=~"$job", instance=~"$instance", mode=~"$mode"'
RI = '[$__rate_interval]'


GW = 'job="gateway"'
LG = 'job="loadtests"'


def gateway_row(b):
    b.row("The gateway's view")
    b.panel("Forwarded requests/s by route", [(f'sum by (route) (rate(harness_gateway_requests_total{{{GW}}}{RI}))', "{{route}}")], "reqps",
            "Requests YARP forwarded to a replica, one route per aggregation mode.", w=8)
    b.panel("Forwarded by outcome", [(f'sum by (outcome) (rate(harness_gateway_requests_total{{{GW}}}{RI}))', "{{outcome}}")], "reqps",
            "2xx…5xx as the replica answered, or why forwarding failed (request_timed_out, no_available_destinations, request_failed, client_canceled).", w=8)
    b.panel("Time the gateway adds (mean)", [(f'(sum(rate(http_server_request_duration_seconds_sum{{{GW}, http_route=~"/api.*"}}{RI})) - sum(rate(harness_gateway_destination_duration_seconds_sum{{{GW}}}{RI}))) / sum(rate(http_server_request_duration_seconds_count{{{GW}, http_route=~"/api.*"}}{RI}))', "gateway's own share")], "s",
            "Mean time per proxied request spent in the gateway itself: its whole request duration minus the time waiting on the replica.", w=8, min0=False)
    b.panel("Replica latency p99 as the gateway sees it", [(f'histogram_quantile(0.99, sum by (le, destination) (rate(harness_gateway_destination_duration_seconds_bucket{{{GW}}}{RI})))', "{{destination}}")], "s",
            "Time from sending to a replica to its answer, per replica.", w=8)
    b.panel("Replicas in rotation", [(f'sum(harness_gateway_destinations_available{{{GW}}})', "available"), (f'sum(harness_gateway_destinations_configured{{{GW}}})', "configured")], "short",
            "Replicas passing health checks against all known ones: a killed replica drops out within seconds and returns when healthy.", w=8)
    b.panel("Retries on another replica/s", [(f'sum(rate(harness_gateway_retries_total{{{GW}}}{RI})) or vector(0)', "retried after a refused connection")], "reqps",
            "GETs whose connection a replica refused, sent to another (they never reached a server, so nothing is done twice).", w=8)


def loadgen_row(b):
    b.row("The load generator's view (client side)")
    b.panel("Client-side requests/s (ok)", [(f'sum by (scenario) (harness_load_throughput_per_second{{{LG}}})', "{{scenario}}")], "reqps",
            "Requests answered OK per second as the load engine saw them, per scenario (mode).", w=8)
    b.panel("Client-side latency p50 / p99", [(f'histogram_quantile(0.5, sum by (le, scenario) (rate(harness_load_latency_seconds_bucket{{{LG}}}{RI})))', "{{scenario}} p50"),
                                              (f'histogram_quantile(0.99, sum by (le, scenario) (rate(harness_load_latency_seconds_bucket{{{LG}}}{RI})))', "{{scenario}} p99")], "s",
            "Latency of ok requests from the engine's histogram, summed over every generator (buckets add up across a distributed run); in the open model it counts from each request's intended start, so a stalled server shows here in full.", w=8)
    b.panel("Load and requests in flight", [(f'sum by (scenario) (harness_load_users{{{LG}}})', "{{scenario}} load"),
                                            (f'sum by (scenario) (harness_load_in_flight{{{LG}}})', "{{scenario}} in flight")], "short",
            "Users (closed model) or requests/s asked for (open model), and requests sent but not yet answered.", w=8)
    b.panel("Failed and dropped requests/s", [(f'sum by (scenario, outcome) (rate(harness_load_requests_total{{{LG}, outcome!="ok"}}{RI}))', "{{scenario}} {{outcome}}")], "reqps",
            "Failures the client saw, and arrivals it dropped at its in-flight cap (the server answered too slowly for the rate asked).", w=12)
    b.panel("Generator CPU", [(f'harness_load_generator_cpu{{{LG}}}', "share of the machine")], "percentunit",
            "If the generator itself is busy, the figures may describe it rather than the server.", w=12, max_value=1)
    # The engine's series go stale when its run (or container) ends; last_over_time over the
    # dashboard's range still reads the final figures, which the engine holds /metrics open for.
    b.panel("Requests per scenario in the last run (as in its report)",
            [(f'sum by (scenario, outcome) (last_over_time(harness_load_requests_total{{{LG}}}[$__range]))', "{{scenario}} {{outcome}}")], "short",
            "The final count of each scenario's ok, failed and dropped requests in the latest run within the time range, read after the run has ended (the engine waits for Prometheus's last scrape before it exits, so these equal the report's).",
            w=24, h=6, kind="bargauge", decimals=0)


def async_vs_sync():
    b = Board("harness-async-vs-sync", "Async vs sync",
              "The seed's experiment live: every aggregation mode side by side, and the thread pool that the blocking ones starve.",
              ["harness"])
    b.var_query("job", "Job", 'label_values(harness_thread_pool_threads, job)')
    b.var_query("instance", "Instance", 'label_values(harness_thread_pool_threads{job=~"$job"}, instance)')
    b.var_query("mode", "Mode", 'label_values(harness_aggregation_duration_seconds_count, mode)')

    b.row("Each mode side by side (server side, TargetApp replicas)")
    b.panel("Requests/s by mode", [(f'sum by (mode) (rate(harness_aggregation_duration_seconds_count{{{MODE}}}{RI}))', "{{mode}}")], "reqps",
            "Aggregations answered per second. Under the same load the async mode keeps up; the blocking ones flatten out.", w=8, traces_by="mode")
    b.panel("In flight by mode", [(f'sum by (mode) (harness_aggregation_active{{{MODE}}})', "{{mode}}")], "short",
            "Aggregations in progress. A mode whose requests pile up here while its requests/s stays flat is stuck.", w=8, traces_by="mode")
    b.panel("Failed calls/s by mode and outcome", [(f'sum by (mode, outcome) (rate(harness_downstream_calls_total{{{MODE}, outcome!="ok"}}{RI}))', "{{mode}} {{outcome}}")], "ops",
            "Downstream calls that timed out, failed or were cancelled (a failed call makes its aggregation a 502).", w=8, traces_by="mode")
    for q in ("0.5", "0.95", "0.99"):
        b.panel(f"Latency p{int(float(q)*100)} by mode",
                [(f'histogram_quantile({q}, sum by (le, mode) (rate(harness_aggregation_duration_seconds_bucket{{{MODE}}}{RI})))', "{{mode}}")], "s",
                f"The {int(float(q)*100)}th percentile of the time to answer one aggregation. Async stays near one delay; sequential modes near n delays, and more once the pool starves.", w=8, traces_by="mode")
    b.panel("Answers/s by mode and status", [(f'sum by (http_route, http_response_status_code) (rate(http_server_request_duration_seconds_count{{{SEL}, http_route=~"/api/aggregated.*"}}{RI}))', "{{http_route}} {{http_response_status_code}}")], "reqps",
            "Every aggregation answer by route and status: 200, 502 (a downstream call failed) or 503 (the route's concurrency limit).", w=12)
    b.panel("Downstream /api/ calls/s", [(f'sum by (job) (rate(http_server_request_duration_seconds_count{{job=~"$job", http_route="/api/"}}{RI}))', "{{job}}")], "reqps",
            "Calls the downstream answers: n per aggregation.", w=12)

    b.row("Thread pool: starvation shows here")
    b.panel("Pool threads", [(f'harness_thread_pool_threads{{{SEL}}}', "{{job}} {{instance}}")], "suffix: threads",
            "Threads in the pool. Blocking modes make it climb by one or two a second (the pool's injection rate) while CPU stays low.", w=8)
    b.panel("Thread growth", [(f'deriv(harness_thread_pool_threads{{{SEL}}}[30s])', "{{job}} {{instance}}")], "suffix: threads/s",
            "How fast the pool adds threads (slope over 30 s): a steady 1–2/s is the pool injecting threads because work is starving.", w=8, min0=False)
    b.panel("Time a work item waits for a thread", [(f'harness_thread_pool_scheduling_delay_current_seconds{{{SEL}}}', "{{job}} {{instance}}")], "s",
            "A probe queued every 200 ms from outside the pool: microseconds when healthy, seconds when starved. It climbs while a stall lasts.", w=8)
    b.panel("Queue length", [(f'harness_thread_pool_queue_length{{{SEL}}}', "{{job}} {{instance}}")], "suffix: items",
            "Work items waiting for a pool thread.", w=8)
    b.panel("Work items completed/s", [(f'rate(harness_thread_pool_work_items_completed_total{{{SEL}}}{RI})', "{{job}} {{instance}}")], "ops",
            "Throughput of the pool itself; flat while the queue grows means every thread is blocked.", w=8)
    b.panel("Threads blocked by the blocking modes", [(f'sum by (mode, reason) (harness_blocked_threads{{{SEL}}})', "{{mode}} {{reason}}"),
                                                      (f'sum(harness_dedicated_threads{{{SEL}}})', "dedicated threads alive")], "suffix: threads",
            "Threads held right now inside a synchronous call (sync_io) or waiting on a task (sync_over_async); dedicated threads are outside the pool.", w=8, traces_by="mode")

    b.row("CPU, GC and memory")
    b.panel("CPU", [(f'sum by (job, instance) (rate(dotnet_process_cpu_time_seconds_total{{{SEL}}}{RI}))', "{{job}} {{instance}}")], "suffix: cores",
            "CPU time per second of wall time (2 = both cores). Starvation is threads waiting, not CPU burning: this stays low.", w=8)
    b.panel("Working set", [(f'dotnet_process_memory_working_set_bytes{{{SEL}}}', "{{job}} {{instance}}")], "bytes",
            "Physical memory of each process; every blocked thread costs its stack.", w=8)
    b.panel("Time paused for GC", [(f'sum by (job, instance) (rate(dotnet_gc_pause_time_seconds_total{{{SEL}}}{RI}))', "{{job}} {{instance}}")], "percentunit",
            "Share of wall time the process spent paused for garbage collection.", w=8)
    b.panel("GC heap after last collection", [(f'sum by (job, instance) (dotnet_gc_last_collection_heap_size_bytes{{{SEL}}})', "{{job}} {{instance}}")], "bytes",
            "Managed heap size after the latest collection, all generations.", w=12)
    b.panel("GC collections/s", [(f'sum by (job, instance, gc_heap_generation) (rate(dotnet_gc_collections_total{{{SEL}}}{RI}))', "{{instance}} {{gc_heap_generation}}")], "ops",
            "Collections per second by generation.", w=12)
    gateway_row(b)
    loadgen_row(b)
    return b.json()

def overview():
    b = Board("harness-service-overview", "Service overview",
              "One ASP.NET Core service at a time (pick job and instance): requests, latency, Kestrel, outgoing HTTP and the runtime.",
              ["harness"])
    b.var_query("job", "Job", 'label_values(http_server_request_duration_seconds_count, job)', multi=False, include_all=False)
    b.var_query("instance", "Instance", 'label_values(http_server_request_duration_seconds_count{job=~"$job"}, instance)')
    b.row("Requests")
    b.panel("Requests/s", [(f'sum(rate(http_server_request_duration_seconds_count{{{SEL}}}{RI}))', "requests/s")], "reqps", "All requests answered per second.", w=6, h=5, kind="stat")
    b.panel("5xx share", [(f'(sum(rate(http_server_request_duration_seconds_count{{{SEL}, http_response_status_code=~"5.."}}{RI})) or vector(0)) / sum(rate(http_server_request_duration_seconds_count{{{SEL}}}{RI}))', "5xx")], "percentunit",
            "Share of answers with a 5xx status (no 5xx series means none: counted as 0).", w=6, h=5, kind="stat")
    b.panel("Active requests", [(f'sum(http_server_active_requests{{{SEL}}})', "active")], "short", "Requests being handled right now.", w=6, h=5, kind="stat")
    b.panel("Open connections", [(f'sum(kestrel_active_connections{{{SEL}}})', "connections")], "short", "Kestrel connections open right now.", w=6, h=5, kind="stat")
    b.panel("Requests/s by route", [(f'sum by (http_route) (rate(http_server_request_duration_seconds_count{{{SEL}}}{RI}))', "{{http_route}}")], "reqps", "Requests per second by matched route.", w=12)
    b.panel("Requests/s by status", [(f'sum by (http_response_status_code) (rate(http_server_request_duration_seconds_count{{{SEL}}}{RI}))', "{{http_response_status_code}}")], "reqps", "Requests per second by status code.", w=12)
    b.panel("Request duration p50 / p95 / p99", [
        (f'histogram_quantile(0.5, sum by (le) (rate(http_server_request_duration_seconds_bucket{{{SEL}}}{RI})))', "p50"),
        (f'histogram_quantile(0.95, sum by (le) (rate(http_server_request_duration_seconds_bucket{{{SEL}}}{RI})))', "p95"),
        (f'histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{{{SEL}}}{RI})))', "p99")], "s",
        "Server-side duration percentiles over all routes (buckets up to 120 s).", w=12)
    b.panel("p99 by route", [(f'histogram_quantile(0.99, sum by (le, http_route) (rate(http_server_request_duration_seconds_bucket{{{SEL}}}{RI})))', "{{http_route}}")], "s",
            "99th percentile of server-side duration per route.", w=12)
    b.row("Kestrel and overload protection")
    b.panel("Connections", [(f'sum(kestrel_active_connections{{{SEL}}})', "open"), (f'sum(kestrel_queued_connections{{{SEL}}})', "queued")], "short",
            "Open connections, and connections accepted but waiting for Kestrel.", w=8)
    b.panel("New connections/s", [(f'sum(rate(kestrel_connection_duration_seconds_count{{{SEL}}}{RI}))', "closed connections/s")], "ops",
            "Connections ending per second: high values mean clients are not reusing connections.", w=8)
    b.panel("Rate limiter decisions/s", [(f'sum by (aspnetcore_rate_limiting_result) (rate(aspnetcore_rate_limiting_requests_total{{{SEL}}}{RI}))', "{{aspnetcore_rate_limiting_result}}"),
                                          (f'sum by (result) (rate(harness_gateway_limiter_requests_total{{{SEL}}}{RI}))', "{{result}} (gateway)")], "reqps",
            "Requests admitted (acquired) and refused with 503 by the concurrency limits: ASP.NET Core's rate limiter in TargetApp, the gateway's own route limits (harness_gateway_limiter_*) in the gateway.", w=8)
    b.row("Outgoing HTTP (to the downstream or the targets)")
    b.panel("Outgoing requests/s", [(f'sum by (server_address, http_response_status_code) (rate(http_client_request_duration_seconds_count{{{SEL}}}{RI}))', "{{server_address}} {{http_response_status_code}}"),
                                     (f'sum by (destination, outcome) (rate(harness_gateway_requests_total{{{SEL}}}{RI}))', "{{destination}} {{outcome}} (gateway)")], "reqps",
            "Calls this service makes, by destination and status: HttpClient's count in TargetApp, the gateway's own count of forwarded requests in the gateway (which does not collect HttpClient's metrics, see docs/gateway.md#metrics).", w=8)
    b.panel("Outgoing p99", [(f'histogram_quantile(0.99, sum by (le, server_address) (rate(http_client_request_duration_seconds_bucket{{{SEL}}}{RI})))', "{{server_address}}"),
                              (f'histogram_quantile(0.99, sum by (le, destination) (rate(harness_gateway_destination_duration_seconds_bucket{{{SEL}}}{RI})))', "{{destination}} (gateway)")], "s",
            "99th percentile duration of outgoing calls, to the response's headers (HttpClient's in TargetApp, the gateway's destination timing in the gateway).", w=8)
    b.panel("Outgoing connections", [(f'sum by (http_connection_state) (http_client_open_connections{{{SEL}}})', "{{http_connection_state}}"),
                                      (f'sum by (destination) (harness_gateway_upstream_connections{{{SEL}}})', "open to {{destination}} (gateway)")], "short",
            "Pooled connections to destinations: active and idle from HttpClient in TargetApp; open per destination in the gateway, which counts them as they open and close rather than pay HttpClient's metrics on every request.", w=8)
    b.row("Runtime")
    b.panel("CPU", [(f'sum by (instance) (rate(dotnet_process_cpu_time_seconds_total{{{SEL}}}{RI}))', "{{instance}}")], "suffix: cores", "CPU time per second of wall time.", w=6)
    b.panel("Working set", [(f'dotnet_process_memory_working_set_bytes{{{SEL}}}', "{{instance}}")], "bytes", "Physical memory of the process.", w=6)
    b.panel("Pool threads and queue", [(f'harness_thread_pool_threads{{{SEL}}}', "{{instance}} threads"), (f'harness_thread_pool_queue_length{{{SEL}}}', "{{instance}} queued")], "short",
            "Thread-pool threads and queued work items.", w=6)
    b.panel("Lock contentions/s", [(f'sum by (instance) (rate(dotnet_monitor_lock_contentions_total{{{SEL}}}{RI}))', "{{instance}}")], "ops", "Times a thread waited for a lock held by another.", w=6)
    return b.json()

if __name__ == "__main__":
    out = os.path.dirname(os.path.abspath(__file__))
    with open(out + "/async-vs-sync.json", "w") as f: json.dump(async_vs_sync(), f, indent=2); f.write("\n")
    with open(out + "/service-overview.json", "w") as f: json.dump(overview(), f, indent=2); f.write("\n")
