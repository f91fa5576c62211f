using System.Text.Json.Nodes;

namespace FineTune.Privacy.Tests;

/// <summary>One entry of <c>shared/reference/dp_published.json</c>.</summary>
internal sealed record PublishedCase(
    int Index,
    string Source,
    string File,
    string Description,
    JsonObject Inputs,
    JsonNode Published)
{
    public double Input(string name) => Inputs[name]!.GetValue<double>();

    public int IntInput(string name) => (int)Input(name);

    public string? StringInput(string name) => Inputs[name] is JsonValue value ? value.GetValue<string>() : null;

    public double PublishedValue => Published.GetValue<double>();

    public double PublishedItem(int index) => Published.AsArray()[index]!.GetValue<double>();

    public override string ToString() => $"#{Index} {File}: {Description}";
}
