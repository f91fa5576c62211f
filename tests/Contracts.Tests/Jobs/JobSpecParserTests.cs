using System.Text.Json;
using FineTune.Contracts.Configs;
using FineTune.Contracts.Jobs;

namespace FineTune.Contracts.Tests.Jobs;

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

    [Theory]
    [InlineData("""{"model": "m", "training_file": "f"}""")]
    [InlineData("""{"model": "m", "training_file": "f", "hyperparameters": {}}""")]
    [InlineData("""{"model": "m", "training_file": "f", "hyperparameters": {"learning_rate": null}}""")]
    [InlineData("""{"model": "m", "training_file": "f", "hyperparameters": {"learning_rate": "auto"}}""")]
    public void Parse_LearningRateAbsentNullOrAuto_IsChosenByModelSize(string json)
    {
        // A null learning_rate once turned auto off and trained at the fixed 2e-4 (issue 13): null means absent.
        var (spec, errors) = Parse(json);

        Assert.Empty(errors);
        Assert.True(spec!.Config.AutoLearningRate);
    }

    [Fact]
    public void Parse_LearningRateGiven_IsNotAuto()
    {
        var (spec, errors) = Parse("""{"model": "m", "training_file": "f", "hyperparameters": {"learning_rate": 0.001}}""");

        Assert.Empty(errors);
        Assert.False(spec!.Config.AutoLearningRate);
        Assert.Equal(0.001, spec.Config.LearningRate);
    }

    [Fact]
    public void Parse_UnknownFieldsAtEveryLevel_AreErrorsNamingThem()
    {
        var (spec, errors) = Parse("""{"model": "m", "training_file": "f", "nickname": "x", "hyperparameters": {"epochs": 3}, "lora": {"rank": 4}}""");

        Assert.Null(spec);
        Assert.Equal(["hyperparameters.epochs", "lora.rank", "nickname"], errors.Select(e => e.Field).Order(StringComparer.Ordinal));
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
        Assert.Equal("hyperparameters.gradient_checkpointing", Assert.Single(Parse("""{"model": "m", "training_file": "f", "hyperparameters": {"gradient_checkpointing": 1}}""").Errors).Field);
        Assert.Equal("hyperparameters.gradient_checkpointing", Assert.Single(Parse("""{"model": "m", "training_file": "f", "hyperparameters": {"gradient_checkpointing": true}, "privacy": {"target_epsilon": 8}}""").Errors).Field);
    }

    [Fact]
    public void Parse_SaveEachEpoch_IsOnByDefaultAndCanBeTurnedOff()
    {
        var (byDefault, _) = Parse("""{"model": "m", "training_file": "f"}""");
        var (off, errors) = Parse("""{"model": "m", "training_file": "f", "hyperparameters": {"save_each_epoch": false, "save_every": 50}}""");

        Assert.Empty(errors);
        Assert.True(byDefault!.Config.SaveEachEpoch);
        Assert.False(off!.Config.SaveEachEpoch);
        Assert.Equal(50, off.Config.SaveEvery);
        Assert.Equal("hyperparameters.save_each_epoch", Assert.Single(Parse("""{"model": "m", "training_file": "f", "hyperparameters": {"save_each_epoch": "no"}}""").Errors).Field);
    }

    [Fact]
    public void Parse_Privacy_KeepsPackingAndMapsTheEntityColumn()
    {
        var (spec, errors) = Parse("""{"model": "m", "training_file": "f", "privacy": {"target_epsilon": 8, "delta": "auto", "entity_column": "user_id"}}""");
        var (unpacked, _) = Parse("""{"model": "m", "training_file": "f", "hyperparameters": {"packing": false}, "privacy": {"target_epsilon": 8}}""");

        Assert.Empty(errors);
        // DP-SGD clips each record (or entity) of a packed row on its own, so packing stays as asked (on by default).
        Assert.True(spec!.Config.Packing);
        Assert.False(unpacked!.Config.Packing);
        Assert.True(spec.Config.Privacy!.EntityLevel);
        Assert.Null(spec.Config.Privacy.Delta);
        Assert.Equal("user_id", spec.GroupBy);
    }

    [Fact]
    public void Parse_AuditAlone_AuditsWithoutDp()
    {
        var (spec, errors) = Parse("""{"model": "m", "training_file": "f", "privacy": {"audit": true}}""");

        Assert.Empty(errors);
        Assert.Null(spec!.Config.Privacy);
        Assert.Equal(new AuditConfig(), spec.Config.Audit);
        Assert.Equal(AuditConfig.DefaultCanaries, spec.Config.Audit!.Canaries);
        Assert.True(spec.Config.Packing);
    }

    [Fact]
    public void Parse_AuditBesideDp_ReadsBoth()
    {
        var (spec, errors) = Parse("""{"model": "m", "training_file": "f", "privacy": {"target_epsilon": 4, "audit": {"canaries": 200, "canary_length": 12}}}""");

        Assert.Empty(errors);
        Assert.Equal(4, spec!.Config.Privacy!.TargetEpsilon);
        Assert.Equal(new AuditConfig { Canaries = 200, CanaryLength = 12 }, spec.Config.Audit);
    }

    [Fact]
    public void Parse_AuditFalseOrAbsent_AuditsNothing()
    {
        Assert.Null(Parse("""{"model": "m", "training_file": "f", "privacy": {"target_epsilon": 4, "audit": false}}""").Spec!.Config.Audit);
        Assert.Null(Parse("""{"model": "m", "training_file": "f", "privacy": {"target_epsilon": 4}}""").Spec!.Config.Audit);
    }

    // Each is a spec the API once accepted and the worker could never run (issue 13, finding 8), or a number JSON
    // allows but no run can use; each must be refused naming its field.
    public static TheoryData<string, string> OutOfBounds => new()
    {
        { """{"hyperparameters": {"batch_size": 1000000}}""", "hyperparameters.batch_size" },
        { """{"hyperparameters": {"batch_size": 2.5}}""", "hyperparameters.batch_size" },
        { """{"lora": {"r": 1e9}}""", "lora.r" },
        { """{"hyperparameters": {"learning_rate": 1e300}}""", "hyperparameters.learning_rate" },
        { """{"hyperparameters": {"learning_rate": 1e400}}""", "hyperparameters.learning_rate" },
        { """{"hyperparameters": {"learning_rate": -1e400}}""", "hyperparameters.learning_rate" },
        { """{"hyperparameters": {"learning_rate": "NaN"}}""", "hyperparameters.learning_rate" },
        { """{"hyperparameters": {"learning_rate": -0.001}}""", "hyperparameters.learning_rate" },
        { """{"format": "parquet"}""", "format" },
        { """{"chat_template": "vicuna"}""", "chat_template" },
        { """{"hyperparameters": {"max_seq_len": 100000000}}""", "hyperparameters.max_seq_len" },
        { """{"hyperparameters": {"max_seq_len": 8}}""", "hyperparameters.max_seq_len" },
        { """{"hyperparameters": {"grad_accum": 1000000}}""", "hyperparameters.grad_accum" },
        { """{"hyperparameters": {"steps": 1e18}}""", "hyperparameters.steps" },
        { """{"hyperparameters": {"steps": 1e400}}""", "hyperparameters.steps" },
        { """{"hyperparameters": {"steps": "NaN"}}""", "hyperparameters.steps" },
        { """{"hyperparameters": {"steps": -5}}""", "hyperparameters.steps" },
        { """{"hyperparameters": {"n_epochs": 1e400}}""", "hyperparameters.n_epochs" },
        { """{"hyperparameters": {"n_epochs": 0}}""", "hyperparameters.n_epochs" },
        { """{"hyperparameters": {"warmup_ratio": 1}}""", "hyperparameters.warmup_ratio" },
        { """{"hyperparameters": {"weight_decay": -1}}""", "hyperparameters.weight_decay" },
        { """{"hyperparameters": {"max_grad_norm": 1e400}}""", "hyperparameters.max_grad_norm" },
        { """{"hyperparameters": {"eval_every": -1}}""", "hyperparameters.eval_every" },
        { """{"hyperparameters": {"save_every": 1e12}}""", "hyperparameters.save_every" },
        { """{"lora": {"r": 0}}""", "lora.r" },
        { """{"lora": {"alpha": 1e5}}""", "lora.alpha" },
        { """{"lora": {"dropout": 1}}""", "lora.dropout" },
        { """{"privacy": {"target_epsilon": 1e400}}""", "privacy.target_epsilon" },
        { """{"privacy": {"target_epsilon": -8}}""", "privacy.target_epsilon" },
        { """{"privacy": {"target_epsilon": 8, "delta": 1}}""", "privacy.delta" },
        { """{"privacy": {"target_epsilon": 8, "delta": "NaN"}}""", "privacy.delta" },
        { """{"privacy": {"target_epsilon": 8, "max_grad_norm": 0}}""", "privacy.max_grad_norm" },
        { """{"privacy": {"noise_multiplier": -1}}""", "privacy.noise_multiplier" },
        { """{"privacy": {"target_epsilon": 8, "expected_batch_size": 0}}""", "privacy.expected_batch_size" },
        { """{"privacy": {"target_epsilon": 8, "seed": 1e400}}""", "privacy.seed" },
        { """{"privacy": {"audit": {"canaries": 1}}}""", "privacy.audit.canaries" },
        { """{"privacy": {"audit": {"canaries": 1e6}}}""", "privacy.audit.canaries" },
        { """{"privacy": {"audit": {"canaries": 10.5}}}""", "privacy.audit.canaries" },
        { """{"privacy": {"audit": {"canary_length": 1}}}""", "privacy.audit.canary_length" },
        { """{"privacy": {"audit": {"canary_length": 64}}, "hyperparameters": {"max_seq_len": 32}}""", "privacy.audit.canary_length" },
        { """{"privacy": {"audit": {"canaries": 10, "seed": 3}}}""", "privacy.audit.seed" },
        { """{"privacy": {"audit": "yes"}}""", "privacy.audit" },
        { """{"privacy": {"audit": true, "delta": 1e-5}}""", "privacy.target_epsilon" },
        { """{"seed": -1}""", "seed" },
        { """{"seed": 1e30}""", "seed" },
    };

    [Theory]
    [MemberData(nameof(OutOfBounds))]
    public void Parse_NumberOutOfBoundsOrUnknownName_IsOneErrorNamingTheField(string extra, string field)
    {
        var (spec, errors) = Parse(WithModel(extra));

        Assert.Null(spec);
        JobSpecError error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.DoesNotContain("System.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EveryBound_IsReachableAtBothEnds()
    {
        foreach ((string path, FieldBounds bounds) in JobSpecBounds.ByField)
        {
            double low = bounds.MinExclusive ? Math.Min(bounds.Min + 1e-6, bounds.Max) : bounds.Min;
            double high = bounds.MaxExclusive ? bounds.Max - 1e-6 : bounds.Max;
            foreach (double value in new[] { low, high })
            {
                Assert.True(bounds.Contains(bounds.Integer ? Math.Ceiling(value) : value), $"{path}: {value} should be inside {bounds.Describe()}");
            }
            Assert.False(bounds.Contains(double.PositiveInfinity), path);
            Assert.False(bounds.Contains(double.NaN), path);
        }
    }

    [Fact]
    public void Parse_ValuesAtTheBounds_AreAccepted()
    {
        var (spec, errors) = Parse(WithModel("""
            {"seed": 9007199254740991, "format": "OpenAI", "chat_template": "ChatML",
             "hyperparameters": {"steps": 1e7, "batch_size": 4096, "learning_rate": 1, "grad_accum": 1, "max_seq_len": 16, "n_epochs": 1000},
             "lora": {"r": 1024, "alpha": 10000, "dropout": 0}}
            """));

        Assert.Empty(errors);
        Assert.Equal(10_000_000, spec!.Config.MaxSteps);
        Assert.Equal(4096, spec.Config.MicroBatchSize);
        Assert.Equal(JobSpecBounds.MaxSeed, spec.Config.Seed);
        Assert.Equal(1024, spec.Config.Lora.Rank);
    }

    [Fact]
    public void Parse_EveryNumericFieldTheParserReads_HasBounds()
    {
        // The parser looks bounds up by path and throws for a missing one; reading every field proves none is.
        var (_, errors) = Parse(WithModel("""
            {"seed": 1, "hyperparameters": {"n_epochs": 1, "steps": 1, "batch_size": 1, "learning_rate": 0.1, "grad_accum": 1,
              "max_seq_len": 64, "warmup_ratio": 0, "weight_decay": 0, "max_grad_norm": 1, "eval_every": 0, "save_every": 0, "packing": false},
             "lora": {"r": 4, "alpha": 8, "dropout": 0.1},
             "privacy": {"target_epsilon": 8, "delta": 1e-5, "max_grad_norm": 1, "noise_multiplier": 1, "expected_batch_size": 4, "seed": 3}}
            """));

        Assert.Empty(errors);
    }

    // Merges the fields of extra into a minimal valid spec.
    private static string WithModel(string extra)
    {
        return "{\"model\": \"m\", \"training_file\": \"f\", " + extra.Trim()[1..];
    }
}
