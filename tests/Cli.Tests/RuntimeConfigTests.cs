using System.Text.Json;

namespace FineTune.Cli.Tests;

/// <summary>The runtime settings every <c>finetune</c> process (serve, worker, bench) starts with.</summary>
public sealed class RuntimeConfigTests
{
    [Fact]
    public void ThreadPoolWorkers_DoNotSpinBeforeSleeping()
    {
        // The CLI's runtimeconfig beside its assembly: the file `dotnet finetune.dll` reads.
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "finetune.runtimeconfig.json")));
        JsonElement properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out JsonElement spinLimit), "the spin limit is not set");
        Assert.Equal("0", spinLimit.ValueKind == JsonValueKind.String ? spinLimit.GetString() : spinLimit.GetRawText());
    }
}
