#!/usr/bin/env bash
# Builds a stand-in for the Aspire dashboard image that docker-compose.yml pins
# (mcr.microsoft.com/dotnet/aspire-dashboard:<tag>) from the NuGet package the solution restores
# (Aspire.Dashboard.Sdk.linux-x64, a self-contained executable), for machines where no image
# registry is reachable; ../shared/local-base-images.sh does the same for the other base images.
# A stand-in, not the real image: Debian minbase with the package's tools/ folder in /app, laid
# out like the official image (user app, UI on 18888, OTLP/gRPC on 18889, OTLP/HTTP on 18890).
#
# Usage: observability/aspire-dashboard/local-image.sh   (env WORK_DIR to reuse a work dir whose
# rootfs/ holds a Debian minbase, as local-base-images.sh leaves it)
set -eu
cd "$(dirname "$0")/../.."
tag=$(grep -oE 'mcr.microsoft.com/dotnet/aspire-dashboard:[A-Za-z0-9._-]+' docker-compose.yml | head -1)
[ -n "$tag" ] || { echo "docker-compose.yml names no aspire-dashboard image" >&2; exit 1; }
work=${WORK_DIR:-$(mktemp -d)}
mkdir -p "$work"

dotnet restore src/Harness.Hosting/Harness.Hosting.csproj -nologo -v quiet >/dev/null
tools=$(dirname "$(dotnet msbuild src/Harness.Hosting/Harness.Hosting.csproj -getProperty:AspireDashboardPath)")
[ -x "$tools/Aspire.Dashboard" ] || { echo "no Aspire dashboard in the restored package ('$tools'); it is referenced on linux-x64 only" >&2; exit 1; }

command -v docker >/dev/null || apt-get install -y docker.io >/dev/null
docker info >/dev/null 2>&1 || { echo "docker is not running: start dockerd (../shared/local-base-images.sh starts one)" >&2; exit 1; }
if [ ! -d "$work/rootfs/usr" ]; then
  command -v debootstrap >/dev/null || apt-get install -y debootstrap >/dev/null
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources | head -1)
  debootstrap --variant=minbase --include=ca-certificates,libicu72,libssl3 bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1
fi

rm -rf "$work/aspire" && cp -a "$work/rootfs" "$work/aspire"
mkdir -p "$work/aspire/app" && cp -a "$tools/." "$work/aspire/app/"
chmod -R a+rX "$work/aspire/app"
chroot "$work/aspire" useradd --uid 1654 --user-group --no-create-home app 2>/dev/null || true
tar -C "$work/aspire" -c . | docker import \
  -c 'USER app' -c 'WORKDIR /app' -c 'ENTRYPOINT ["/app/Aspire.Dashboard"]' \
  -c 'EXPOSE 18888 18889 18890' \
  -c 'ENV DOTNET_RUNNING_IN_CONTAINER=true ASPNETCORE_URLS=http://+:18888 ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://+:18889 ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://+:18890' \
  - "$tag" >/dev/null
echo "image: $tag (stand-in from $tools)"
