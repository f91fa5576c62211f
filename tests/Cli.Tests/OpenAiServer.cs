using System.Text.Json;
using FineTune.Testing;

namespace FineTune.Cli.Tests;

/// <summary>
/// One <c>finetune serve</c> (real API, worker, Postgres and training) shared by the OpenAI SDK tests, and a small
/// training file: the first records of alpaca_en_demo as JSON Lines, so one epoch is a few quick steps.
/// </summary>
public sealed class OpenAiServer : IDisposable
{
    private readonly ServeProcess _server = ServeProcess.Start();

    public OpenAiServer()
    {
        string demo = Path.Combine(RepoPaths.SharedAssets, "datasets", "alpaca-en-demo", "alpaca_en_demo.json");
        using JsonDocument records = JsonDocument.Parse(File.ReadAllText(demo));
        SmallDataset = Path.Combine(_server.Folder, "alpaca-small.jsonl");
        File.WriteAllLines(SmallDataset, records.RootElement.EnumerateArray().Take(24).Select(record => record.GetRawText().Replace("\n", " ", StringComparison.Ordinal)));
    }

    /// <summary>The API's base URL as the SDKs take it (ends in /v1).</summary>
    public Uri BaseUrl => new(_server.Url.TrimEnd('/') + "/v1");

    public string Key => _server.Key;

    public string SmallDataset { get; }

    public void Dispose() => _server.Dispose();
}
