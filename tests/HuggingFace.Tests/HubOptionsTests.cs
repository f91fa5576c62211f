
namespace FineTune.HuggingFace.Tests;

public sealed class HubOptionsTests
{
    [Fact]
    public void FromEnvironment_VariablesSet_OverrideTheDefaults()
    {
        var variables = new Dictionary<string, string>
        {
            ["HF_ENDPOINT"] = "https://hub.example.com/",
            ["HF_TOKEN"] = "hf_abc",
            ["FINETUNE_CACHE"] = "/data/hub-cache",
            ["HF_HUB_OFFLINE"] = "1",
        };

        HubOptions options = HubOptions.FromEnvironment(name => variables.GetValueOrDefault(name));

        Assert.Equal("https://hub.example.com", options.Endpoint);
        Assert.Equal("hf_abc", options.Token);
        Assert.Equal("/data/hub-cache", options.CacheDir);
        Assert.True(options.Offline);
    }

    [Fact]
    public void FromEnvironment_NothingSet_KeepsTheDefaults()
    {
        HubOptions options = HubOptions.FromEnvironment(_ => null);

        Assert.Equal(new HubOptions(), options);
        Assert.Equal("https://huggingface.co", options.Endpoint);
        Assert.Null(options.Token);
        Assert.Equal("main", options.Revision);
        Assert.False(options.Offline);
        Assert.EndsWith(Path.Combine(".cache", "finetune", "hub"), options.CacheDir, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", false)]
    [InlineData("TRUE", true)]
    [InlineData("yes", true)]
    [InlineData("", false)]
    public void FromEnvironment_HfHubOffline_AcceptsHuggingFaceSpellings(string value, bool expected)
    {
        HubOptions options = HubOptions.FromEnvironment(name => name == "HF_HUB_OFFLINE" ? value : null);

        Assert.Equal(expected, options.Offline);
    }

    [Fact]
    public void ToString_WithToken_DoesNotRevealIt()
    {
        var options = new HubOptions { Token = "hf_SecretTokenThatMustNeverLeak" };

        string text = options.ToString();

        Assert.DoesNotContain("hf_SecretTokenThatMustNeverLeak", text, StringComparison.Ordinal);
        Assert.Contains("Token = (set)", text, StringComparison.Ordinal);
    }
}
