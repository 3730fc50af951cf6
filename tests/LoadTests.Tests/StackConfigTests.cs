using Harness.Hosting;
using Harness.Testing;

namespace LoadTests.Tests;

/// <summary>The compose file as Debian's docker-compose reads it (<c>apt-get install docker-compose</c>); no images are pulled.</summary>
public sealed class StackConfigTests
{
    private static string Repository => ServiceBinary.FindRepositoryRoot() ?? throw new InvalidOperationException("Harness.sln not found.");

    [Fact]
    public async Task ComposeFile_IsValid_PinsItsImages_AndChecksEveryServicesHealth()
    {
        var compose = File.Exists("/usr/bin/docker-compose") ? "/usr/bin/docker-compose" : throw new InvalidOperationException("docker-compose is needed for this test: apt-get install docker-compose");
        var (code, resolved, stderr) = await Tools.RunAsync(compose, Repository, "--profile", "load", "config");
        Assert.True(code == 0, stderr);

        var images = resolved.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("image:", StringComparison.Ordinal)).Select(l => l["image:".Length..].Trim()).ToList();
        Assert.Equal(8, images.Count);
        Assert.All(images, image => Assert.Matches(@"^[\w./-]+:[\w.-]+$", image));
        Assert.DoesNotContain(images, image => image.EndsWith(":latest", StringComparison.Ordinal));
        Assert.Contains("prom/prometheus:v3.5.0", images);
        Assert.Contains("mcr.microsoft.com/dotnet/aspire-dashboard:13.6.5", images);

        // Every long-running service but the Aspire dashboard (its image has nothing to run one with)
        // has a healthcheck, and the gateway waits for healthy replicas.
        Assert.Equal(6, resolved.Split('\n').Count(l => l.Trim() == "healthcheck:"));
        Assert.Contains("condition: service_healthy", resolved, StringComparison.Ordinal);
        Assert.Contains("/etc/prometheus/prometheus.yml:ro", resolved.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);

        // The gateway speaks HTTP/2 (h2c) to Harness's own replicas, on an endpoint of its own beside their HTTP/1.1 one.
        Assert.Contains("Gateway__TargetsDns: http://target:8081", resolved, StringComparison.Ordinal);
        Assert.Contains("Gateway__TargetProtocol: Http2", resolved, StringComparison.Ordinal);
        Assert.Equal(2, resolved.Split('\n').Count(l => l.Trim() == "Kestrel__Endpoints__h2c__Protocols: Http2"));
        Assert.Equal(2, resolved.Split('\n').Count(l => l.Trim() == "Kestrel__Endpoints__h2c__Url: http://+:8081"));

        // The load engine's fixed options are in its entrypoint, so `run loadtests --suite x` adds to them.
        var at = resolved.IndexOf("entrypoint:", StringComparison.Ordinal);
        Assert.True(at >= 0, "the loadtests service has no entrypoint");
        var entrypoint = resolved[at..];
        Assert.Contains("--target=http://gateway:8080", entrypoint[..entrypoint.IndexOf("image:", StringComparison.Ordinal)], StringComparison.Ordinal);
    }

    /// <summary>
    /// `docker compose run loadtests` as the container would run it: the service's entrypoint, as the
    /// service's user, writing to a fresh ./reports that belongs to someone else (the host user who
    /// cloned the repository). The reports must be written without any chmod, and belong to that user.
    /// Emulating other users needs root (as in CI); without it the folder is the caller's own.
    /// </summary>
    [Fact]
    public async Task LoadtestsService_WritesItsReports_IntoAFreshFolderOwnedByTheHostUser_WithoutChmod()
    {
        var compose = File.Exists("/usr/bin/docker-compose") ? "/usr/bin/docker-compose" : throw new InvalidOperationException("docker-compose is needed for this test: apt-get install docker-compose");
        var (code, resolved, stderr) = await Tools.RunAsync(compose, Repository, "--profile", "load", "config");
        Assert.True(code == 0, stderr);

        // docker-compose (Debian's) is a Python program, so PyYAML is here whenever it is.
        var (parsed, json, parseError) = await Tools.RunAsync("/usr/bin/python3", null, "-c",
            "import json, sys, yaml; s = yaml.safe_load(sys.argv[1])['services']['loadtests']; print(json.dumps({'entrypoint': s['entrypoint'], 'user': s.get('user')}))", resolved);
        Assert.True(parsed == 0, parseError);
        using var service = System.Text.Json.JsonDocument.Parse(json);
        var entrypoint = service.RootElement.GetProperty("entrypoint").EnumerateArray().Select(e => e.GetString()!.Replace("$$", "$", StringComparison.Ordinal)).ToList();
        var user = service.RootElement.GetProperty("user").GetString() ?? "1654"; // the image's own user (APP_UID) when compose sets none

        await using var server = await LocalServer.StartAsync();
        var root = Environment.UserName == "root";
        var hostUser = root ? 4242 : -1;
        var work = Directory.CreateTempSubdirectory("harness-compose-run-");
        try
        {
            var reports = Path.Combine(work.FullName, "reports");
            Directory.CreateDirectory(reports);
            var scenarios = Path.Combine(work.FullName, "scenarios.json");
            await File.WriteAllTextAsync(scenarios, """{ "scenarios": [ { "name": "ok", "path": "/ok", "load": [ { "simulation": "iterations-for-constant", "copies": 2, "iterations": 20 } ] } ] }""");
            // As a clone leaves it: the user's own, readable by all, writable by the user alone.
            await Tools.RunAsync("chmod", null, "-R", "u=rwX,go=rX", work.FullName);
            if (root)
            {
                await Tools.RunAsync("chown", null, "-R", $"{hostUser}:{hostUser}", work.FullName);
            }

            // The container's paths and hosts, mapped onto this machine; the options a user adds after `run loadtests`.
            var dll = ServiceBinary.Locate("LoadTests");
            var command = entrypoint
                .Where(a => !a.StartsWith("--scrape=", StringComparison.Ordinal))
                .Select(a => a switch
                {
                    "LoadTests.dll" => dll,
                    "--output=/app/reports" => $"--output={reports}",
                    "--target=http://gateway:8080" => $"--target={server.BaseAddress}",
                    "--metrics-host=0.0.0.0" => "--metrics-host=127.0.0.1",
                    _ when a.StartsWith("--metrics-port=", StringComparison.Ordinal) => $"--metrics-port={LoopbackPorts.Unused()}",
                    _ => a.Replace("/app/reports", reports, StringComparison.Ordinal),
                })
                .Concat(["--config", scenarios, "--plain"])
                .ToList();
            Assert.Contains(dll, command);

            var asUser = root && user is not ("root" or "0" or "0:0")
                ? ["setpriv", $"--reuid={user.Split(':')[0]}", $"--regid={user.Split(':')[0]}", "--clear-groups"]
                : Array.Empty<string>();
            string[] all = [.. asUser, .. command];
            var (exit, stdout, errors) = await Tools.RunAsync(all[0], work.FullName, all[1..]);

            Assert.True(exit == 0, $"the loadtests service's command line failed (exit {exit}) as user {user}:\n{stdout}\n{errors}");
            var run = Assert.Single(Directory.GetDirectories(reports));
            Assert.True(File.Exists(Path.Combine(run, "index.html")), "no index.html in " + run);
            if (root)
            {
                foreach (var file in Directory.GetFiles(run, "*", SearchOption.AllDirectories).Append(run))
                {
                    var (_, owner, _) = await Tools.RunAsync("stat", null, "-c", "%u", file);
                    Assert.Equal(hostUser.ToString(System.Globalization.CultureInfo.InvariantCulture), owner.Trim());
                }
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The Dockerfile's build stage for every image, run here without Docker: a restore-and-publish
    /// that fails (two projects' files landing on the same path, say) fails every image build.
    /// </summary>
    [Fact]
    public async Task EveryImagesPublishStep_Succeeds_AndLeavesItsEntryAssembly()
    {
        var output = Directory.CreateTempSubdirectory("harness-publish-");
        try
        {
            foreach (var project in (string[])["TargetApp", "Gateway", "LoadTests"])
            {
                var folder = Path.Combine(output.FullName, project);
                var (code, stdout, stderr) = await Tools.RunAsync(
                    "dotnet", Repository, "publish", $"src/{project}/{project}.csproj", "-c", "Release", "-o", folder, "-p:UseAppHost=false", "-nologo", "-nodeReuse:false", "--disable-build-servers");
                Assert.True(code == 0, $"dotnet publish {project} (the Dockerfile's build step) failed:\n{stdout}\n{stderr}");
                Assert.True(File.Exists(Path.Combine(folder, project + ".dll")), $"{project}.dll is missing from the published folder: the image's entry point would not start");
                Assert.True(File.Exists(Path.Combine(folder, project + ".runtimeconfig.json")));
            }
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}
