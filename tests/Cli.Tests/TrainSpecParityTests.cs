using System.Text.Json;
using FineTune.Cli.Commands;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Jobs;
using FineTune.Testing;

namespace FineTune.Cli.Tests;

/// <summary>
/// <c>finetune train</c> flags and the same job posted to the API (parsed by the API's <see cref="JobSpecParser"/>,
/// mapped by the worker's <see cref="JobSpec.ToTrainingRequest"/>) must train with the same configuration. Each case is
/// a command line and the JSON a client would write for it by hand.
/// </summary>
public sealed class TrainSpecParityTests
{
    private const string Data = "train.jsonl";
    private const string Out = "out";
    private static readonly string s_model = RepoPaths.Model("tinystories-656k");

    public static TheoryData<string, string> Jobs => new()
    {
        { "", "{}" },
        {
            "--steps 40 --lr 1e-2 --warmup-ratio 0.1 --targets q_proj,v_proj --lora-r 16 --lora-alpha 32 --lora-dropout 0.1 --rslora --max-seq-len 256 "
            + "--batch-size auto --grad-accum 2 --eval-every 20 --save-every 10 --no-epoch-checkpoints --lr-schedule linear --no-packing --gradient-checkpointing --seed 7 --all-tokens "
            + "--chat-template chatml --format alpaca --validation valid.jsonl --backend-options {\"threads\":2}",
            """
            {"hyperparameters": {"steps": 40, "learning_rate": 0.01, "warmup_ratio": 0.1, "max_seq_len": 256, "batch_size": "auto", "grad_accum": 2,
             "eval_every": 20, "save_every": 10, "save_each_epoch": false, "lr_schedule": "linear", "packing": false,
             "gradient_checkpointing": true},
             "lora": {"r": 16, "alpha": 32, "dropout": 0.1, "use_rslora": true, "target_modules": ["q_proj", "v_proj"]},
             "seed": 7, "all_tokens": true, "chat_template": "chatml", "format": "alpaca", "validation_file": "valid.jsonl",
             "backend_options": {"threads": 2}}
            """
        },
        { "--epochs auto --lr auto --targets all-linear", """{"hyperparameters": {"n_epochs": "auto", "learning_rate": "auto"}, "lora": {"target_modules": "all-linear"}}""" },
        {
            "--dp --target-epsilon 6 --expected-batch-size 4 --dp-seed 3 --entity-column user --audit --audit-canaries 100",
            """{"privacy": {"target_epsilon": 6, "expected_batch_size": 4, "seed": 3, "entity_column": "user", "audit": {"canaries": 100}}}"""
        },
        { "--dp --noise-multiplier 1 --delta 1e-6 --accountant prv --max-grad-norm 0.5", """{"privacy": {"noise_multiplier": 1, "delta": 1e-6, "accountant": "prv", "max_grad_norm": 0.5}}""" },
        { "--audit --group-by user", """{"privacy": {"audit": true}, "group_by": "user"}""" },
    };

    [Theory]
    [MemberData(nameof(Jobs))]
    public void TrainFlags_AndTheSameJobPostedToTheApi_ReachTheSameTrainingRequest(string flags, string apiFields)
    {
        string[] args = ["--model", s_model, "--data", Data, "--out", Out, .. flags.Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        (string cliBackend, TrainingRequest cli) = TrainCommand.Plan(args, CancellationToken.None);

        JobSpec api = ParseAsTheApi(apiFields);
        TrainingRequest viaApi = api.ToTrainingRequest(Path.GetFullPath(s_model), api.TrainingFile, api.ValidationFile, Out);

        Assert.Equal(api.Backend, cliBackend);
        Assert.Equal(JsonSerializer.Serialize(viaApi), JsonSerializer.Serialize(cli));
    }

    [Fact]
    public void Train_ValueTheParserRejects_IsOneLineNamingTheFlag()
    {
        CliRun run = CliRun.Invoke("train", "--model", s_model, "--data", Data, "--out", Out, "--lr", "5", "--lora-r", "0");

        Assert.Equal(1, run.ExitCode);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--lr: ", run.Error);
        Assert.Contains("--lora-r: ", run.Error);
        Assert.DoesNotContain("hyperparameters.", run.Error);
    }

    private static JobSpec ParseAsTheApi(string fields)
    {
        using JsonDocument extra = JsonDocument.Parse(fields);
        var body = new Dictionary<string, JsonElement>
        {
            ["model"] = JsonSerializer.SerializeToElement(s_model),
            ["training_file"] = JsonSerializer.SerializeToElement(Data),
        };
        foreach (JsonProperty field in extra.RootElement.EnumerateObject())
        {
            body[field.Name] = field.Value.Clone();
        }
        (JobSpec? spec, IReadOnlyList<JobSpecError> errors) = JobSpecParser.Parse(JsonSerializer.SerializeToElement(body));
        return spec ?? throw new InvalidOperationException(string.Join("; ", errors.Select(error => $"{error.Field}: {error.Message}")));
    }
}
