#!/usr/bin/env bash
# Sets up what the tests need, runs every test, prints the totals.
#
#   ./test.sh            install what is missing (Debian/Ubuntu, as root or with sudo), then dotnet test
#   ./test.sh --check    only say what is missing
#   ./test.sh -- ARGS    pass ARGS to dotnet test (e.g. -- --filter FullyQualifiedName~Gateway)
#
# The last line it prints is the totals, "N passed, N failed, N skipped"; it exits non-zero when
# anything failed or could not be set up. CI (.ci/run) runs exactly this.
set -uo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

check_only=false
test_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check_only=true ;;
    --) shift; test_args=("$@"); break ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

# What the tests need beyond the .NET SDK: command, Debian package, the tests that use it.
# A test whose tool is missing fails and says which package to install; it is never skipped.
requirements=(
  "chromium|chromium|the HTML report opened in a real browser (tests/LoadTests.Tests/BrowserTests.cs)"
  "prometheus|prometheus|every dashboard query run against a real Prometheus (DashboardQueryTests.cs)"
  "promtool|prometheus|promtool check config on observability/prometheus/prometheus.yml"
  "docker-compose|docker-compose|docker-compose config on docker-compose.yml (StackConfigTests.cs)"
  "kubectl|kubectl|kubectl kustomize renders deploy/kubernetes (KubernetesManifestTests.cs; kubectl 1.27+ from Kubernetes' apt repository)"
  "node|nodejs|the Kubernetes schema check, deploy/kubernetes/validate (KubernetesManifestTests.cs)"
  "npm|npm|installs that check's packages (npm ci)"
)

missing_dotnet=""
if ! command -v dotnet >/dev/null; then
  missing_dotnet="the .NET 10 SDK is not installed: https://dotnet.microsoft.com/download/dotnet/10.0 (or, on Debian/Ubuntu, Microsoft's package feed: apt-get install dotnet-sdk-10.0)"
else
  sdk=$(dotnet --version 2>/dev/null || echo "")
  case "$sdk" in
    1[0-9].*|[2-9][0-9].*) ;;
    *) missing_dotnet="the .NET SDK here is '${sdk:-unknown}', the tests need 10.0.100 or later: https://dotnet.microsoft.com/download/dotnet/10.0" ;;
  esac
fi

missing=() packages=()
for requirement in "${requirements[@]}"; do
  IFS='|' read -r tool package purpose <<<"$requirement"
  if ! command -v "$tool" >/dev/null; then
    missing+=("$tool (Debian/Ubuntu package '$package'): $purpose")
    [[ " ${packages[*]:-} " == *" $package "* ]] || packages+=("$package")
  fi
done

say_missing() {
  echo "test.sh: these are missing:" >&2
  [ -z "$missing_dotnet" ] || echo "  - $missing_dotnet" >&2
  for line in "${missing[@]}"; do echo "  - $line" >&2; done
}

if [ -n "$missing_dotnet" ]; then
  say_missing
  exit 1
fi

if [ ${#packages[@]} -gt 0 ]; then
  if $check_only; then
    say_missing
    echo "test.sh: install them with: apt-get install ${packages[*]}" >&2
    exit 1
  fi
  apt_get=()
  if command -v apt-get >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then
      apt_get=(apt-get)
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      apt_get=(sudo apt-get)
    fi
  fi
  if [ ${#apt_get[@]} -eq 0 ]; then
    say_missing
    if command -v apt-get >/dev/null; then
      echo "test.sh: run as root (or with password-less sudo) to let me install them, or install them yourself: sudo apt-get install ${packages[*]}" >&2
    else
      echo "test.sh: this is not a Debian/Ubuntu machine, so I cannot install them for you; install the tools above with your package manager and run ./test.sh again." >&2
    fi
    exit 1
  fi
  echo "test.sh: installing ${packages[*]} (apt-get update first)"
  if ! { "${apt_get[@]}" update -qq && DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq --no-install-recommends "${packages[@]}" >/dev/null; }; then
    echo "test.sh: apt-get could not install ${packages[*]}; install them by hand and run ./test.sh again." >&2
    exit 1
  fi
fi

$check_only && { echo "test.sh: everything the tests need is here."; exit 0; }

# The Kubernetes schema check's own packages (pinned in its package-lock.json).
validator=deploy/kubernetes/validate
if [ ! -d "$validator/node_modules/kubernetes-models" ] || [ "$validator/package-lock.json" -nt "$validator/node_modules" ]; then
  echo "test.sh: installing $validator's packages (npm ci)"
  if ! npm ci --prefix "$validator" --no-audit --no-fund --loglevel=error; then
    echo "test.sh: npm ci in $validator failed (is the npm registry reachable?); the Kubernetes manifest tests will fail" >&2
  fi
fi

rm -rf TestResults
# -m:1 runs the test projects one after another. By default dotnet test runs two projects' test
# hosts at once on two cores, so a collection that "runs alone" inside its assembly (the engine
# timing tests) would still share the cores with another project's load, process starts and
# blocking demonstrations.
dotnet test -m:1 "${test_args[@]}"
status=$?

# dotnet test prints one summary per test project; add up the .trx files every project leaves
# (tests/Directory.Build.props) into one line.
passed=0 failed=0 skipped=0 reports=0
shopt -s nullglob
for trx in TestResults/*.trx; do
  reports=$((reports + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done

if [ ${#test_args[@]} -eq 0 ]; then
  projects=$(find tests samples -mindepth 2 -maxdepth 2 -name '*.Tests.csproj' 2>/dev/null | wc -l)
  if [ "$reports" -lt "$projects" ]; then
    echo "test.sh: only $reports of $projects test projects wrote results (a build failure or a crashed test host; see above)"
    failed=$((failed + projects - reports))
  fi
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "test.sh: dotnet test exited with $status although no test failed (see above)"
  failed=1
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
