using System.Text.Json;
using FineTune.Training.Jobs;

namespace FineTune.Training.Tests.Jobs;

public class JobSpecParserTests
{
    private static (JobSpec? Spec, IReadOnlyList<JobSpecError> Errors) Parse(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return JobSpecParser.Parse(document.RootElement);
    }

    [Fact]
    public void Parse_FullSpec_ResolvesEveryField()
    {
        var (spec, errors) = Parse("""
            {"model": "tinystories-656k", "training_file": "ds_1", "validation_file": "ds_2", "backend": "libtorch-cpu",
             "backend_options": {"threads": 2}, "seed": 7, "metadata": {"team": "nlp"},
             "hyperparameters": {"n_epochs": 2, "batch_size": "auto", "learning_rate": 0.001, "max_seq_len": 256, "eval_every": 5},
             "lora": {"r": 16, "alpha": 32, "target_modules": "all-linear", "use_rslora": true}}
            """);

        Assert.Empty(errors);
        Assert.Equal("tinystories-656k", spec!.Model);
        Assert.Equal(2, spec.Config.Epochs);
        Assert.True(spec.Config.AutoMicroBatch);
        Assert.Equal(0.001, spec.Config.LearningRate);
        Assert.Equal(16, spec.Config.Lora.Rank);
        Assert.Equal(["all-linear"], spec.Config.Lora.TargetModules);
        Assert.Equal(7, spec.Config.Seed);
        Assert.Equal("nlp", spec.Metadata["team"]);
        Assert.Equal(2, spec.BackendOptions!["threads"]!.GetValue<int>());
    }

    [Fact]
    public void Parse_UnknownFieldsAtEveryLevel_AreErrorsNamingThem()
    {
        var (spec, errors) = Parse("""{"model": "m", "training_file": "f", "suffix": "x", "hyperparameters": {"epochs": 3}, "lora": {"rank": 4}}""");

        Assert.Null(spec);
        Assert.Equal(["hyperparameters.epochs", "lora.rank", "suffix"], errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parse_UnsupportedBackendOption_NamesIt()
    {
        var (_, errors) = Parse("""{"model": "m", "training_file": "f", "backend_options": {"dtype": "bf16"}}""");

        JobSpecError error = Assert.Single(errors);
        Assert.Equal("backend_options.dtype", error.Field);
        Assert.Contains("libtorch-cpu", error.Message);
    }

    [Fact]
    public void Parse_InvalidValuesAndTypes_NameTheField()
    {
        Assert.Equal("hyperparameters.batch_size", Assert.Single(Parse("""{"model": "m", "training_file": "f", "hyperparameters": {"batch_size": 0}}""").Errors).Field);
        Assert.Equal("hyperparameters.learning_rate", Assert.Single(Parse("""{"model": "m", "training_file": "f", "hyperparameters": {"learning_rate": "fast"}}""").Errors).Field);
        Assert.Equal("training_file", Assert.Single(Parse("""{"model": "m"}""").Errors).Field);
        Assert.Equal("backend", Assert.Single(Parse("""{"model": "m", "training_file": "f", "backend": "tpu"}""").Errors).Field);
        Assert.Equal("privacy.target_epsilon", Assert.Single(Parse("""{"model": "m", "training_file": "f", "privacy": {}}""").Errors).Field);
    }

    [Fact]
    public void Parse_Privacy_TurnsPackingOffAndMapsTheEntityColumn()
    {
        var (spec, errors) = Parse("""{"model": "m", "training_file": "f", "privacy": {"target_epsilon": 8, "delta": "auto", "entity_column": "user_id"}}""");

        Assert.Empty(errors);
        Assert.False(spec!.Config.Packing);
        Assert.True(spec.Config.Privacy!.EntityLevel);
        Assert.Null(spec.Config.Privacy.Delta);
        Assert.Equal("user_id", spec.GroupBy);
    }
}
