using System.Net;
using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;
using FineTune.Testing;
using FineTune.Text.Tokenization;

namespace FineTune.Api.Tests;

/// <summary>
/// <c>GET /v1/datasets/{id}/preview</c>: the first examples rendered through the model's chat template and tokenizer,
/// the loss-masked prompt apart from the trained reply, with token counts; tenant-scoped, problem+json on bad input.
/// </summary>
public sealed class DatasetPreviewTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Preview_MasksThePromptTrainsTheReply_AndCountsTokens()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();

        using HttpResponseMessage response = await tenant.Http.GetAsync($"/v1/datasets/{dataset}/preview?model={ApiFactory.ModelName}&limit=2");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement preview = await response.JsonAsync();
        Assert.Equal("dataset.preview", preview.GetProperty("object").GetString());
        Assert.Equal(ApiFactory.ModelName, preview.GetProperty("model").GetString());
        // TinyStories has no chat template of its own: the trainer falls back to Alpaca's.
        Assert.Equal("alpaca", preview.GetProperty("chat_template").GetString());
        Assert.Equal(3, preview.GetProperty("records").GetInt64());
        Assert.Equal(3, preview.GetProperty("examples").GetInt32());
        Assert.Equal(3, preview.GetProperty("counted_examples").GetInt32());
        List<JsonElement> examples = preview.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(2, examples.Count);
        Assert.Equal(new[] { 1, 2 }, examples.Select(e => e.GetProperty("line").GetInt32()));

        JsonElement first = examples[0];
        List<JsonElement> segments = first.GetProperty("segments").EnumerateArray().ToList();
        string prompt = string.Concat(segments.Where(s => !s.GetProperty("trained").GetBoolean()).Select(s => s.GetProperty("text").GetString()));
        string reply = string.Concat(segments.Where(s => s.GetProperty("trained").GetBoolean()).Select(s => s.GetProperty("text").GetString()));
        Assert.Contains("Hi", prompt, StringComparison.Ordinal);
        // TinyStories' vocabulary has no '#': the Alpaca header's "### " is an unknown token, as the trainer sees it.
        Assert.Contains("Response:", prompt, StringComparison.Ordinal);
        Assert.Contains("Hello!", reply, StringComparison.Ordinal);
        Assert.DoesNotContain("Hello!", prompt, StringComparison.Ordinal);
        Assert.False(segments[0].GetProperty("trained").GetBoolean());
        Assert.True(segments[^1].GetProperty("trained").GetBoolean());

        // The counts add up, and the reply's tokens are at least what the tokenizer makes of the reply's text.
        Assert.Equal(first.GetProperty("tokens").GetInt32(), segments.Sum(s => s.GetProperty("tokens").GetInt32()));
        Assert.Equal(first.GetProperty("trained_tokens").GetInt32(), segments.Where(s => s.GetProperty("trained").GetBoolean()).Sum(s => s.GetProperty("tokens").GetInt32()));
        Tokenizer tokenizer = Tokenizer.FromFolder(RepoPaths.Model(ApiFactory.ModelName));
        Assert.True(first.GetProperty("trained_tokens").GetInt32() >= tokenizer.Encode("Hello!", addSpecialTokens: false).Length);
        Assert.True(preview.GetProperty("tokens").GetInt64() > examples.Sum(e => e.GetProperty("tokens").GetInt64()), "the third example counts too");
        Assert.True(preview.GetProperty("trained_tokens").GetInt64() < preview.GetProperty("tokens").GetInt64());
    }

    [Fact]
    public async Task Preview_AllTokens_TrainsThePromptToo()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();

        JsonElement preview = await (await tenant.Http.GetAsync($"/v1/datasets/{dataset}/preview?model={ApiFactory.ModelName}&all_tokens=true")).JsonAsync();

        // Every token but the first (which nothing predicts) is trained.
        Assert.Equal(3, preview.GetProperty("data").GetArrayLength());
        Assert.All(preview.GetProperty("data").EnumerateArray(), e => Assert.Equal(e.GetProperty("tokens").GetInt32() - 1, e.GetProperty("trained_tokens").GetInt32()));
    }

    [Theory]
    [InlineData("", HttpStatusCode.BadRequest, "model")]
    [InlineData("model=tinystories-656k&limit=0", HttpStatusCode.BadRequest, "limit")]
    [InlineData("model=tinystories-656k&limit=51", HttpStatusCode.BadRequest, "limit")]
    [InlineData("model=tinystories-656k&limit=abc", HttpStatusCode.BadRequest, "limit")]
    [InlineData("model=tinystories-656k&all_tokens=maybe", HttpStatusCode.BadRequest, "all_tokens")]
    [InlineData("model=tinystories-656k&chat_template=jinja", HttpStatusCode.BadRequest, "chat_template")]
    [InlineData("model=gpt-5", HttpStatusCode.UnprocessableEntity, "model")]
    [InlineData("model=../tinystories-656k", HttpStatusCode.UnprocessableEntity, "model")]
    public async Task Preview_BadQuery_IsProblemJsonNamingTheParameter(string query, HttpStatusCode status, string parameter)
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();

        using HttpResponseMessage response = await tenant.Http.GetAsync($"/v1/datasets/{dataset}/preview?{query}");

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(parameter, out _), $"the problem names {parameter}");
    }

    [Fact]
    public async Task Preview_OfAnotherTenantsDataset_IsNotFound_AndNeedsAKey()
    {
        using TenantClient owner = await factory.CreateTenantClientAsync();
        using TenantClient stranger = await factory.CreateTenantClientAsync();
        Guid dataset = await owner.Http.UploadDatasetAsync();
        string path = $"/v1/datasets/{dataset}/preview?model={ApiFactory.ModelName}";
        using HttpClient anonymous = factory.CreateClient();

        using HttpResponseMessage foreign = await stranger.Http.GetAsync(path);
        using HttpResponseMessage unauthenticated = await anonymous.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal("application/problem+json", foreign.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
    }
}
