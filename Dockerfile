# One image recipe for every Harness service: docker build --build-arg PROJECT=TargetApp .
# (PROJECT is TargetApp, Gateway or LoadTests). Build on the SDK image, run on the ASP.NET one.
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
ARG PROJECT
# HarnessAspireDashboard=false: the load engine's image leaves out the embedded trace UI's package
# (125 MB); compose runs the dashboard as a service of its own.
ENV DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 HarnessAspireDashboard=false
WORKDIR /src
RUN test -n "$PROJECT" || { echo "Set --build-arg PROJECT=TargetApp|Gateway|LoadTests"; exit 1; }
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
RUN dotnet restore "src/$PROJECT/$PROJECT.csproj"
RUN dotnet publish "src/$PROJECT/$PROJECT.csproj" -c Release --no-restore -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS runtime
ARG PROJECT
# curl answers the compose healthchecks; the stock runtime image does not ship it.
RUN command -v curl >/dev/null || { apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*; }
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_HTTP_PORTS=8080 \
    HARNESS_ENTRY=${PROJECT}.dll \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["sh", "-c", "exec dotnet \"$HARNESS_ENTRY\" \"$@\"", "--"]
