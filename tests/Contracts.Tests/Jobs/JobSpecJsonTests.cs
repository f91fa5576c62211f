using System.Text.Json;
using FineTune.Contracts.Jobs;

namespace FineTune.Contracts.Tests.Jobs;

/// <summary>
/// The stored form of a spec (<see cref="JobSpecJson"/>): written from the parsed spec with every default explicit,
/// read back as the same spec without a second parse; rows stored before it still read through the parser.
/// </summary>
public sealed class JobSpecJsonTests
{
    // The valid inputs of JobSpecParserTests, and a few more that reach every section.
    public static TheoryData<string> ValidSpecs => new()
    {
        """{"model": "m", "training_file": "f"}""",
        """{"model": "m", "training_file": "f", "hyperparameters": {}}""",
        """{"model": "m", "training_file": "f", "hyperparameters": {"learning_rate": null}}""",
        """{"model": "m", "training_file": "f", "hyperparameters": {"learning_rate": "auto"}}""",
        """{"model": "m", "training_file": "f", "hyperparameters": {"learning_rate": 0.001}}""",
        """
        {"model": "tinystories-656k", "training_file": "ds_1", "validation_file": "ds_2", "backend": "libtorch-cpu",
         "backend_options": {"threads": 2}, "seed": 7, "metadata": {"team": "nlp"},
         "hyperparameters": {"n_epochs": 2, "batch_size": "auto", "learning_rate": 0.001, "max_seq_len": 256, "eval_every": 5},
         "lora": {"r": 16, "alpha": 32, "target_modules": "all-linear", "use_rslora": true}}
        """,
        """{"model": "m", "training_file": "f", "privacy": {"target_epsilon": 8, "delta": "auto", "entity_column": "user_id"}}""",
        """{"model": "m", "training_file": "f", "hyperparameters": {"packing": false}, "privacy": {"target_epsilon": 8}}""",
        """{"model": "m", "training_file": "f", "privacy": {"audit": true}}""",
        """{"model": "m", "training_file": "f", "hyperparameters": {"gradient_checkpointing": true, "max_seq_len": 16384}}""",
        """{"model": "m", "training_file": "f", "privacy": {"target_epsilon": 4, "audit": {"canaries": 200, "canary_length": 12}}}""",
        """{"model": "m", "training_file": "f", "privacy": {"target_epsilon": 4, "audit": false}}""",
        """
        {"model": "m", "training_file": "f", "seed": 9007199254740991, "format": "OpenAI", "chat_template": "ChatML",
         "hyperparameters": {"steps": 1e7, "batch_size": 4096, "learning_rate": 1, "grad_accum": 1, "max_seq_len": 16, "n_epochs": 1000},
         "lora": {"r": 1024, "alpha": 10000, "dropout": 0}}
        """,
        """
        {"model": "m", "training_file": "f", "seed": 1, "hyperparameters": {"n_epochs": 1, "steps": 1, "batch_size": 1, "learning_rate": 0.1,
          "grad_accum": 1, "max_seq_len": 64, "warmup_ratio": 0, "weight_decay": 0, "max_grad_norm": 1, "eval_every": 0, "save_every": 0, "packing": false},
         "lora": {"r": 4, "alpha": 8, "dropout": 0.1},
         "privacy": {"target_epsilon": 8, "delta": 1e-5, "max_grad_norm": 1, "noise_multiplier": 1, "expected_batch_size": 4, "seed": 3}}
        """,
        """
        {"model": "m", "training_file": "f", "backend": "libtorch-cuda", "backend_options": {"dtype": "bf16", "device_index": 1, "memory_fraction": 0.5, "packed_attention": "varlen"},
         "hyperparameters": {"n_epochs": "auto", "lr_schedule": "linear", "warmup_ratio": 0.1, "weight_decay": 0.01, "max_grad_norm": 0.5, "save_every": 10},
         "lora": {"target_modules": ["q_proj", "v_proj"]}, "group_by": "conversation", "all_tokens": true, "suffix": "my-model.v1",
         "privacy": {"noise_multiplier": 0.8, "accountant": "prv", "delta": 1e-6}}
        """,
    };

    [Theory]
    [MemberData(nameof(ValidSpecs))]
    public void ReadOfWrite_IsTheParsedSpec(string client)
    {
        JobSpec parsed = Parse(client);

        JobSpec read = Read(JobSpecJson.Write(parsed));

        Assert.Equal(Dump(parsed), Dump(read));
    }

    [Fact]
    public void Write_MarksTheForm_WritesEveryDefault_AndKeepsAutoAsAuto()
    {
        using JsonDocument stored = JsonDocument.Parse(JobSpecJson.Write(Parse("""{"model": "m", "training_file": "f", "hyperparameters": {"batch_size": "auto"}}""")));
        JsonElement root = stored.RootElement;

        Assert.Equal(JobSpecJson.Version, root.GetProperty(JobSpecJson.VersionField).GetInt32());
        Assert.Equal("libtorch-cpu", root.GetProperty("backend").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("validation_file").ValueKind);
        JsonElement config = root.GetProperty("config");
        Assert.True(config.GetProperty("auto_micro_batch").GetBoolean());
        Assert.False(config.GetProperty("gradient_checkpointing").GetBoolean());
        Assert.True(config.GetProperty("auto_learning_rate").GetBoolean());
        Assert.Equal(512, config.GetProperty("max_seq_length").GetInt32());
        Assert.Equal(8, config.GetProperty("lora").GetProperty("rank").GetInt32());
        Assert.False(config.GetProperty("lora").TryGetProperty("scaling", out _), "a computed value is not state");
    }

    [Fact]
    public void ReadStored_OfAClientSpecStoredBeforeTheResolvedForm_ParsesIt()
    {
        const string client = """{"model": "m", "training_file": "f", "hyperparameters": {"steps": 3}, "lora": {"r": 4}}""";
        using JsonDocument document = JsonDocument.Parse(client);

        Assert.False(JobSpecJson.IsResolved(document.RootElement));
        (JobSpec? spec, IReadOnlyList<JobSpecError> errors) = JobSpecJson.ReadStored(document.RootElement);

        Assert.Empty(errors);
        Assert.Equal(Dump(Parse(client)), Dump(spec!));
    }

    [Fact]
    public void ReadStored_OfAnOldRowTheParserNowRefuses_ReturnsItsErrors()
    {
        using JsonDocument document = JsonDocument.Parse("""{"model": "m", "training_file": "f", "hyperparameters": {"batch_size": 0}}""");

        (JobSpec? spec, IReadOnlyList<JobSpecError> errors) = JobSpecJson.ReadStored(document.RootElement);

        Assert.Null(spec);
        Assert.Equal("hyperparameters.batch_size", Assert.Single(errors).Field);
    }

    [Theory]
    [InlineData("""{"spec_version": 3, "model": "m"}""")]
    [InlineData("""{"spec_version": "2", "model": "m"}""")]
    public void ReadStored_OfAnotherVersion_IsAnErrorNamingTheVersion(string stored)
    {
        using JsonDocument document = JsonDocument.Parse(stored);

        (JobSpec? spec, IReadOnlyList<JobSpecError> errors) = JobSpecJson.ReadStored(document.RootElement);

        Assert.Null(spec);
        Assert.Equal(JobSpecJson.VersionField, Assert.Single(errors).Field);
    }

    [Fact]
    public void Read_OfAFieldTheSpecDoesNotHave_Throws()
    {
        var stored = System.Text.Json.Nodes.JsonNode.Parse(JobSpecJson.Write(Parse("""{"model": "m", "training_file": "f"}""")))!.AsObject();
        stored["nickname"] = "x";
        using JsonDocument document = JsonDocument.Parse(stored.ToJsonString());

        Assert.ThrowsAny<JsonException>(() => JobSpecJson.Read(document.RootElement));
    }

    [Fact]
    public void ClientSpec_CannotPassItselfOffAsResolved()
    {
        using JsonDocument document = JsonDocument.Parse("""{"model": "m", "training_file": "f", "spec_version": 2}""");

        Assert.Equal(JobSpecJson.VersionField, Assert.Single(JobSpecParser.Parse(document.RootElement).Errors).Field);
    }

    private static JobSpec Parse(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        (JobSpec? spec, IReadOnlyList<JobSpecError> errors) = JobSpecParser.Parse(document.RootElement);
        Assert.Empty(errors);
        return spec!;
    }

    private static JobSpec Read(string stored)
    {
        using JsonDocument document = JsonDocument.Parse(stored);
        return JobSpecJson.Read(document.RootElement);
    }

    // Every public property, nested records, lists and options included, in the serializer's default (PascalCase)
    // form: records compare lists and JSON objects by reference, so this is the structural equality.
    internal static string Dump(JobSpec spec) => JsonSerializer.Serialize(spec);
}
