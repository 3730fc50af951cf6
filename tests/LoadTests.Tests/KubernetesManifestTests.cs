using System.Text.Json;
using Harness.Hosting;
using Harness.Testing;

namespace LoadTests.Tests;

/// <summary>
/// deploy/kubernetes, offline (no cluster is reachable here): rendered by kustomize, every document
/// checked against the Kubernetes API schemas (deploy/kubernetes/validate, kubernetes-models),
/// Prometheus's config by promtool, and the load's shape: an Indexed Job whose N pods each run
/// their 1/N segment from one start time, with N set in one place.
/// </summary>
public sealed class KubernetesManifestTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("harness-k8s-");

    private static string Repository => ServiceBinary.FindRepositoryRoot() ?? throw new InvalidOperationException("Harness.sln not found above the test's folder.");

    private static string Manifests => Path.Combine(Repository, "deploy", "kubernetes");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task EveryRenderedManifest_IsValidAgainstTheKubernetesSchemas()
    {
        var rendered = await RenderAsync(Manifests);
        var file = Path.Combine(_work.FullName, "rendered.yaml");
        await File.WriteAllTextAsync(file, rendered);

        var validator = Path.Combine(Manifests, "validate");
        Assert.True(Directory.Exists(Path.Combine(validator, "node_modules", "kubernetes-models")), $"the validator's packages are not installed: npm ci --prefix {validator} (./test.sh does it)");
        var (code, stdout, stderr) = await Tools.RunAsync(Tool("node", "nodejs"), null, Path.Combine(validator, "validate.mjs"), file);

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("15 documents, 0 invalid", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheValidator_RejectsAWrongManifest()
    {
        var file = Path.Combine(_work.FullName, "wrong.yaml");
        await File.WriteAllTextAsync(file, "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec: {parallelism: three, template: {spec: {containers: []}}}\n");

        var (code, stdout, _) = await Tools.RunAsync(Tool("node", "nodejs"), null, Path.Combine(Manifests, "validate", "validate.mjs"), file);

        Assert.Equal(1, code);
        Assert.Contains("/spec/parallelism must be integer", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PromtoolAcceptsTheClustersPrometheusConfig()
    {
        var (code, stdout, stderr) = await Tools.RunAsync(Tool("promtool", "prometheus"), null, "check", "config", "--syntax-only", Path.Combine(Manifests, "stack", "prometheus.yml"));

        Assert.True(code == 0, stdout + stderr);
    }

    [Theory]
    [InlineData(null, 3)]
    [InlineData(7, 7)]
    public async Task TheLoad_IsAnIndexedJob_OfNGenerators_EachRunningItsSegment_FromOneStartTime(int? generators, int expected)
    {
        var root = Manifests;
        if (generators is { } n)
        {
            // A copy with the one setting changed: everything that depends on N must follow.
            root = Path.Combine(_work.FullName, "kubernetes");
            await Tools.RunAsync("cp", null, "-r", Manifests, root);
            var setting = Path.Combine(root, "load", "generators.yaml");
            await File.WriteAllTextAsync(setting, (await File.ReadAllTextAsync(setting)).Replace("completions: 3", $"completions: {n}", StringComparison.Ordinal));
        }

        var documents = await ParseAsync(await RenderAsync(root));
        var load = Single(documents, "Job", "harness-load");
        var merge = Single(documents, "Job", "harness-merge");

        var spec = load.GetProperty("spec");
        Assert.Equal("Indexed", spec.GetProperty("completionMode").GetString());
        Assert.Equal(expected, spec.GetProperty("completions").GetInt32());
        Assert.Equal(expected, spec.GetProperty("parallelism").GetInt32());
        var container = spec.GetProperty("template").GetProperty("spec").GetProperty("containers")[0];
        Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), Env(container, "SEGMENTS"));
        var command = string.Join(" ", container.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains("--segment \"$((JOB_COMPLETION_INDEX + 1))/$SEGMENTS\"", command, StringComparison.Ordinal);
        Assert.Contains("--start-at \"$START_AT\"", command, StringComparison.Ordinal);
        Assert.Contains("--output \"/results/$RUN_ID/segment-$((JOB_COMPLETION_INDEX + 1))\"", command, StringComparison.Ordinal);

        // Every generator and the merge read the same run settings (RUN_ID, START_AT) from one ConfigMap.
        var settings = Single(documents, "ConfigMap", name => name.StartsWith("harness-load-", StringComparison.Ordinal));
        var configMapName = settings.GetProperty("metadata").GetProperty("name").GetString();
        Assert.Equal(configMapName, container.GetProperty("envFrom")[0].GetProperty("configMapRef").GetProperty("name").GetString());
        var data = settings.GetProperty("data");
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", data.GetProperty("START_AT").GetString()!);
        Assert.False(string.IsNullOrEmpty(data.GetProperty("RUN_ID").GetString()));

        var wait = merge.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("initContainers")[0];
        Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), Env(wait, "SEGMENTS"));
        var mergeContainer = merge.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0];
        Assert.Equal(configMapName, mergeContainer.GetProperty("envFrom")[0].GetProperty("configMapRef").GetProperty("name").GetString());
        Assert.Contains(" merge ", string.Join(" ", mergeContainer.GetProperty("args").EnumerateArray().Select(a => a.GetString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheClusterRunsTheImagesComposeBuilds()
    {
        var documents = await ParseAsync(await RenderAsync(Manifests));
        var compose = await File.ReadAllTextAsync(Path.Combine(Repository, "docker-compose.yml"));
        var images = documents
            .Where(d => d.GetProperty("kind").GetString() is "Deployment" or "Job")
            .SelectMany(d => d.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers").EnumerateArray())
            .Select(c => c.GetProperty("image").GetString()!)
            .Distinct()
            .ToList();

        Assert.Equal(4, images.Count);
        Assert.All(images, image => Assert.Contains($"image: {image}", compose, StringComparison.Ordinal));
    }

    private static string Env(JsonElement container, string name) =>
        container.GetProperty("env").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name).GetProperty("value").GetString()!;

    private static JsonElement Single(List<JsonElement> documents, string kind, string name) => Single(documents, kind, n => n == name);

    private static JsonElement Single(List<JsonElement> documents, string kind, Func<string, bool> name) =>
        documents.Single(d => d.GetProperty("kind").GetString() == kind && name(d.GetProperty("metadata").GetProperty("name").GetString()!));

    private static async Task<string> RenderAsync(string folder)
    {
        var (code, stdout, stderr) = await Tools.RunAsync(Tool("kubectl", "kubectl"), null, "kustomize", folder);
        Assert.True(code == 0, $"kubectl kustomize {folder} failed (kubectl 1.27 or later, with kustomize v5, is needed):\n{stderr}");
        return stdout;
    }

    private async Task<List<JsonElement>> ParseAsync(string yaml)
    {
        var file = Path.Combine(_work.FullName, Guid.NewGuid().ToString("N") + ".yaml");
        await File.WriteAllTextAsync(file, yaml);
        var (code, json, stderr) = await Tools.RunAsync("/usr/bin/python3", null, "-c",
            "import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d]))", file);
        Assert.True(code == 0, stderr);
        return [.. JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    private static string Tool(string name, string package)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException($"{name} is needed for this test: apt-get install {package} (./test.sh installs it)");
    }
}
