using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Harness.Hosting;
using Harness.Testing;
using Xunit.Abstractions;

namespace Harness.Load.Tests;

/// <summary>
/// The library as its users get it: packed with <c>dotnet pack</c>, referenced as a package from a
/// project outside the repository, running the example the README and the docs show, unchanged.
/// </summary>
[Collection(EngineTiming.Name)]
public sealed partial class PackageTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "harness-package-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [Fact]
    public async Task Packed_DependsOnlyOnTheEnginesOwnPackages_AndRunsTheReadmeExample_FromOutsideTheRepository()
    {
        var root = ServiceBinary.FindRepositoryRoot() ?? throw new InvalidOperationException("Run from the repository's build output.");
        var example = Example(Path.Combine(root, "README.md"));
        Assert.Equal(example, Example(Path.Combine(root, "docs", "load-engine.md")));

        var feed = Path.Combine(_work, "feed");
        var (packed, packOut, packErr) = await Tools.RunAsync("dotnet", root, "pack", Path.Combine("src", "Harness.Load", "Harness.Load.csproj"), "-c", "Release", "-o", feed, "--no-restore", "-nologo");
        Assert.True(packed == 0, $"dotnet pack failed:{Environment.NewLine}{packOut}{packErr}");
        var package = Assert.Single(Directory.GetFiles(feed, "Harness.Load.*.nupkg"));
        var version = Regex.Match(Path.GetFileName(package), @"^Harness\.Load\.(?<v>.+)\.nupkg$").Groups["v"].Value;

        // Only what the engine and its reports need: no ASP.NET Core, Spectre, System.CommandLine or Harness project.
        Assert.Equal(["HdrHistogram", "Microsoft.Extensions.Logging.Abstractions"], Dependencies(package));

        var app = Path.Combine(_work, "app");
        Directory.CreateDirectory(app);
        await using var targetApp = await StartTargetAppAsync();
        var program = example;
        if (targetApp.BaseAddress.Authority != "127.0.0.1:5080")
        {
            program = example.Replace("127.0.0.1:5080", targetApp.BaseAddress.Authority, StringComparison.Ordinal);
            output.WriteLine($"Port 5080 was taken: the example's copy runs against {targetApp.BaseAddress.Authority} (only the port changed).");
        }

        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), program);
        await File.WriteAllTextAsync(Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <!-- Its own package folder: the freshly packed Harness.Load, never a cached one of the same version. -->
                <RestorePackagesPath>{Path.Combine(_work, "packages")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Harness.Load" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        var globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="harness-feed" value="{feed}" />
                <add key="machine-cache" value="{globalPackages}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);

        var (code, stdout, stderr) = await Tools.RunAsync("dotnet", app, "run", "-c", "Release", "-nologo");

        Assert.True(code == 0, $"the example failed (exit {code}):{Environment.NewLine}{stdout}{Environment.NewLine}{stderr}");
        var printed = Printed().Match(stdout);
        Assert.True(printed.Success, $"the example's line is missing:{Environment.NewLine}{stdout}");
        Assert.Equal("100", printed.Groups["ok"].Value);
        Assert.Equal("0", printed.Groups["failed"].Value);
        Assert.Equal("100", printed.Groups["home"].Value);
        var report = Assert.Single(Directory.GetDirectories(Path.Combine(app, "reports")));
        foreach (var file in (string[])["index.html", "summary.md", "stats.csv", "results.json"])
        {
            Assert.True(File.Exists(Path.Combine(report, file)), $"{file} was written");
        }

        var summary = await File.ReadAllTextAsync(Path.Combine(report, "summary.md"));
        Assert.Contains("| browse / home | 100 | 100 | 0 |", summary, StringComparison.Ordinal);
        Assert.Contains("| browse / think | 100 | 100 | 0 |", summary, StringComparison.Ordinal);

        // The report is self-contained: its styles and scripts come from the package, inlined whole.
        var html = await File.ReadAllTextAsync(Path.Combine(report, "index.html"));
        foreach (var asset in (string[])["charts.css", "report.css", "charts.js", "report.js"])
        {
            var content = await File.ReadAllTextAsync(Path.Combine(root, "src", "Harness.Load", "Reports", "Assets", asset));
            Assert.True(html.Contains(content, StringComparison.Ordinal), $"index.html from the package lacks {asset}");
        }
    }

    /// <summary>The page's C# example: the code block that starts with <c>using Harness.Load;</c>.</summary>
    private static string Example(string page)
    {
        var blocks = CSharpBlock().Matches(File.ReadAllText(page)).Select(m => m.Groups["code"].Value).Where(c => c.StartsWith("using Harness.Load;", StringComparison.Ordinal)).ToList();
        return Assert.Single(blocks);
    }

    private static List<string> Dependencies(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var entry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = entry.Open();
        var nuspec = XDocument.Load(stream);
        return [.. nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).Distinct().Order(StringComparer.Ordinal)];
    }

    /// <summary>A TargetApp on the example's port, 5080, when it is free; otherwise on a free one.</summary>
    private static async Task<ServiceProcess> StartTargetAppAsync()
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, 5080);
            probe.Start();
            probe.Stop();
        }
        catch (SocketException)
        {
            return await Children.StartTargetAppAsync("target");
        }

        return await Children.StartTargetAppAsync("target", urls: "http://127.0.0.1:5080");
    }

    [GeneratedRegex(@"```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"(?m)^(?<ok>\d+) ok, (?<failed>\d+) failed, p99 [\d.]+ ms, home (?<home>\d+)\s*$")]
    private static partial Regex Printed();
}
