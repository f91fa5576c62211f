using FineTune.Api.Contracts;
using FineTune.Api.Models;
using FineTune.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Tests;

public sealed class ModelCatalogTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ft-catalog-").FullName;
    private readonly ModelCatalog _catalog;

    public ModelCatalogTests()
    {
        _catalog = new ModelCatalog(Options.Create(new ApiOptions { ModelsDir = _root }), NullLogger<ModelCatalog>.Instance);
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void List_FolderWithoutWeights_CountsParametersFromTheConfig()
    {
        string folder = Directory.CreateDirectory(Path.Combine(_root, "config-only")).FullName;
        File.Copy(Path.Combine(RepoPaths.Model("tinystories-656k"), "config.json"), Path.Combine(folder, "config.json"));

        ModelDto model = Assert.Single(_catalog.List());

        // The same count the safetensors headers give for the real folder (see CatalogEndpointsTests).
        Assert.Equal(656_000, model.Parameters);
        Assert.Equal("config-only", model.Name);
    }

    [Fact]
    public void List_UnsupportedOrMissingConfig_IsSkipped()
    {
        string unsupported = Directory.CreateDirectory(Path.Combine(_root, "gpt2")).FullName;
        File.WriteAllText(Path.Combine(unsupported, "config.json"), """{"model_type":"gpt2"}""");
        Directory.CreateDirectory(Path.Combine(_root, "empty"));

        Assert.Empty(_catalog.List());
        Assert.Null(_catalog.Find("gpt2"));
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../etc")]
    [InlineData("")]
    [InlineData("a/b")]
    public void Find_NameOutsideTheFolder_IsNull(string name)
    {
        Assert.Null(_catalog.Find(name));
    }
}
