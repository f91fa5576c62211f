using System.CommandLine;
using System.Text.Json.Nodes;
using FineTune.Client;

namespace FineTune.Cli.Commands;

/// <summary>
/// The client side of the service: <c>finetune jobs submit|watch|download|list|get|cancel|pause|resume</c> against a running
/// <c>finetune serve</c> (<c>--url</c>/<c>FINETUNE_URL</c>, <c>--key</c>/<c>FINETUNE_API_KEY</c>).
/// </summary>
internal static class JobsCommand
{
    private static readonly Option<string?> s_url = new("--url") { Description = "Service URL (default FINETUNE_URL, else http://127.0.0.1:8080)" };
    private static readonly Option<string?> s_key = new("--key") { Description = "API key (default FINETUNE_API_KEY)" };

    public static Command Create(TextWriter output)
    {
        var jobs = new Command("jobs", "Submit, watch and download fine-tuning jobs on a running service")
        {
            Submit(output), Watch(output), Download(output), List(output),
            Get(output),
            Transition(output, "cancel", "Cancel a job (a running one stops after its current step)", (c, id, t) => c.CancelJobAsync(id, t)),
            Transition(output, "pause", "Pause a job: a queued one at once, a running one after checkpointing its current step", (c, id, t) => c.PauseJobAsync(id, t)),
            Transition(output, "resume", "Resume a paused job from its checkpoint", (c, id, t) => c.ResumeJobAsync(id, t)),
        };
        return jobs;
    }

    private static Command Submit(TextWriter output)
    {
        var data = new Option<string>("--data") { Description = "Training data file to upload", Required = true };
        var model = new Option<string>("--model") { Description = "Model name (a folder in the service's models dir)", Required = true };
        var format = new Option<string?>("--format") { Description = "messages|sharegpt|alpaca|prompt_completion|text|tabular (default: detect; tabular is never guessed for JSON)" };
        var backend = new Option<string?>("--backend");
        var steps = new Option<long?>("--steps");
        var epochs = new Option<double?>("--epochs");
        var lr = new Option<string?>("--lr") { Description = "Learning rate or auto" };
        var batchSize = new Option<string?>("--batch-size") { Description = "Micro-batch or auto" };
        var maxSeqLen = new Option<int?>("--max-seq-len");
        var targetEpsilon = new Option<double?>("--target-epsilon") { Description = "Train with DP-SGD to this epsilon" };
        var watch = new Option<bool>("--watch") { Description = "Follow the job's progress until it ends" };
        var command = new Command("submit", "Upload data and create a job") { data, model, format, backend, steps, epochs, lr, batchSize, maxSeqLen, targetEpsilon, watch, s_url, s_key };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            // Flags are read before the upload, so a bad one leaves no dataset behind.
            var hyper = new JsonObject();
            AddIfSet(hyper, "steps", parseResult.GetValue(steps));
            AddIfSet(hyper, "n_epochs", parseResult.GetValue(epochs));
            AddIfSet(hyper, "learning_rate", TrainSpecJson.NumberOrAuto(parseResult.GetValue(lr), "--lr"));
            AddIfSet(hyper, "batch_size", TrainSpecJson.NumberOrAuto(parseResult.GetValue(batchSize), "--batch-size"));
            AddIfSet(hyper, "max_seq_len", parseResult.GetValue(maxSeqLen));
            using FineTuneClient client = FineTuneClient.FromOptions(parseResult.GetValue(s_url), parseResult.GetValue(s_key));
            JsonObject dataset = await client.UploadDatasetAsync(parseResult.GetValue(data)!, parseResult.GetValue(format), cancellationToken);
            var spec = new JsonObject { ["model"] = parseResult.GetValue(model), ["training_file"] = dataset["id"]!.DeepClone(), ["hyperparameters"] = hyper };
            AddIfSet(spec, "backend", parseResult.GetValue(backend));
            AddIfSet(spec, "format", parseResult.GetValue(format));
            if (parseResult.GetValue(targetEpsilon) is double epsilon)
            {
                spec["privacy"] = new JsonObject { ["target_epsilon"] = epsilon };
            }
            JsonObject job;
            try
            {
                job = await client.CreateJobAsync(spec, cancellationToken);
            }
            catch (HttpRequestException)
            {
                // The dataset was uploaded for this job alone: a refused spec (unknown model, bad value) leaves none behind.
                await client.DeleteDatasetAsync(dataset["id"]!.ToString(), CancellationToken.None);
                throw;
            }
            string id = job["id"]!.ToString();
            output.WriteLine(id);
            return parseResult.GetValue(watch) ? await JobWatcher.WatchAsync(client, id, output, cancellationToken) : 0;
        });
        return command;
    }

    private static Command Watch(TextWriter output)
    {
        var id = new Argument<string>("id");
        var command = new Command("watch", "Show a job's progress until it ends") { id, s_url, s_key };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using FineTuneClient client = FineTuneClient.FromOptions(parseResult.GetValue(s_url), parseResult.GetValue(s_key));
            return await JobWatcher.WatchAsync(client, parseResult.GetValue(id)!, output, cancellationToken);
        });
        return command;
    }

    private static Command Download(TextWriter output)
    {
        var id = new Argument<string>("id");
        var outDir = new Option<string>("--out") { Required = true };
        var command = new Command("download", "Download a job's artifacts (adapter, result.json, training_log.jsonl)") { id, outDir, s_url, s_key };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using FineTuneClient client = FineTuneClient.FromOptions(parseResult.GetValue(s_url), parseResult.GetValue(s_key));
            string jobId = parseResult.GetValue(id)!;
            string folder = parseResult.GetValue(outDir)!;
            Directory.CreateDirectory(folder);
            JsonObject list = await client.ArtifactsAsync(jobId, cancellationToken);
            foreach (JsonNode? artifact in list["data"] as JsonArray ?? [])
            {
                string name = artifact!["name"]!.GetValue<string>();
                string? etag = await client.DownloadArtifactAsync(jobId, name, Path.Combine(folder, name), cancellationToken);
                output.WriteLine($"{name} {etag}");
            }
            return 0;
        });
        return command;
    }

    private static Command List(TextWriter output)
    {
        var json = new Option<bool>("--json") { Description = "Print the service's JSON list instead of a table" };
        var command = new Command("list", "List jobs, newest first") { json, s_url, s_key };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using FineTuneClient client = FineTuneClient.FromOptions(parseResult.GetValue(s_url), parseResult.GetValue(s_key));
            JsonObject list = await client.ListJobsAsync(cancellationToken);
            if (parseResult.GetValue(json))
            {
                output.WriteLine(list.ToJsonString(CliJson.Options));
            }
            else
            {
                JobsTable.Write(list, output);
            }
            return 0;
        });
        return command;
    }

    private static Command Get(TextWriter output)
    {
        var id = new Argument<string>("id");
        var command = new Command("get", "Show a job (the service's JSON)") { id, s_url, s_key };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using FineTuneClient client = FineTuneClient.FromOptions(parseResult.GetValue(s_url), parseResult.GetValue(s_key));
            JsonObject result = await client.GetJobAsync(parseResult.GetValue(id)!, cancellationToken);
            output.WriteLine(result.ToJsonString(CliJson.Options));
            return 0;
        });
        return command;
    }

    // A state change: one line with the status the service answered (e.g. "pausing" until the worker stops).
    private static Command Transition(TextWriter output, string name, string description, Func<FineTuneClient, string, CancellationToken, Task<JsonObject>> call)
    {
        var id = new Argument<string>("id");
        var command = new Command(name, description) { id, s_url, s_key };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using FineTuneClient client = FineTuneClient.FromOptions(parseResult.GetValue(s_url), parseResult.GetValue(s_key));
            JsonObject job = await call(client, parseResult.GetValue(id)!, cancellationToken);
            output.WriteLine($"job {job["id"]} {job["status"]}");
            return 0;
        });
        return command;
    }

    private static void AddIfSet<T>(JsonObject json, string name, T? value)
    {
        if (value is not null)
        {
            json[name] = value is JsonNode node ? node : JsonValue.Create(value);
        }
    }
}
