using System.Text.Json;

namespace Harness.Testing;

public static class JsonAssert
{
    public static async Task<JsonElement> ReadObjectAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        return document.RootElement.Clone();
    }

    public static IReadOnlyList<string> Keys(JsonElement element) =>
        [.. element.EnumerateObject().Select(property => property.Name)];
}
