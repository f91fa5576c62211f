using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FineTune.Benchmarks;
using FineTune.Torch;
using FineTune.Training.Backends;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune bench ops|train|tokenize|service|privacy</c>: binding overhead and GEMM throughput; LoRA training speed
/// on libtorch-cpu or libtorch-cuda; tokenizer throughput; the service's latencies; privacy accounting times.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter output)
    {
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON" };
        var iterations = new Option<int>("--iterations") { Description = "Small-op calls per timed repeat", DefaultValueFactory = _ => 200_000 };
        var ops = new Command("ops", "Per-call overhead of a small op (target <= 3 us) and fp32 GEMM GFLOP/s") { json, iterations };
        ops.SetAction(parseResult =>
        {
            int count = parseResult.GetValue(iterations);
            if (count < 1)
            {
                throw new ArgumentException("--iterations must be at least 1");
            }
            OpsBenchmarkResult result = OpsBenchmark.Run(count);
            if (parseResult.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(result, CliJson.Options));
                return 0;
            }
            output.WriteLine($"libtorch {result.Libtorch}, {result.Threads} intra-op threads, {(result.BlasThreads is int blas ? $"{blas} OpenBLAS threads" : "BLAS on the intra-op pool")} (the libraries' defaults)");
            output.WriteLine($"small op (1-element add, incl. handle create + dispose): {result.SmallOpMicroseconds:F2} us/call (target <= 3 us)");
            output.WriteLine($"shim round trip (numel):                                 {result.ShimRoundTripMicroseconds:F3} us/call");
            foreach (GemmResult gemm in result.Gemm)
            {
                output.WriteLine($"{gemm.Dtype} GEMM {gemm.M}x{gemm.K} @ {gemm.K}x{gemm.N}: {gemm.Milliseconds:F1} ms, {gemm.Gflops:F1} GFLOP/s");
            }
            return 0;
        });
        return new Command("bench", "Benchmarks that print measured figures") { ops, Train(output), Tokenize(output), BenchServiceCommand.Create(output), Privacy(output) };
    }

    private static Command Train(TextWriter output)
    {
        var model = new Option<string>("--model") { Description = "Model folder (e.g. from init-model --config llama-30m)", Required = true };
        var backend = new Option<string>("--backend") { Description = "libtorch-cpu or libtorch-cuda", DefaultValueFactory = _ => BenchBackend.Cpu };
        // A validator rather than AcceptOnlyFromAmong, whose message spans several lines.
        backend.Validators.Add(result =>
        {
            string? name = result.GetValueOrDefault<string>();
            if (!BenchBackend.Names.Contains(name))
            {
                result.AddError($"--backend '{name}' is not one of {string.Join(", ", BenchBackend.Names)}");
            }
        });
        var dtype = new Option<string?>("--dtype") { Description = "Base weights and reference GEMM: f32, bf16 or f16 (default f32 on libtorch-cpu, bf16 on libtorch-cuda)" };
        var deviceIndex = new Option<int>("--device-index") { Description = "CUDA device ordinal (libtorch-cuda)", DefaultValueFactory = _ => 0 };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 4 };
        var seqLen = new Option<int>("--seq-len") { DefaultValueFactory = _ => 256 };
        var steps = new Option<int>("--steps") { Description = "Timed steps, after 2 warm-up steps", DefaultValueFactory = _ => 5 };
        var dp = new Option<bool>("--dp") { Description = "Also time DP-SGD steps (per-sample clipping + noise) on the same model and batch" };
        var recordsPerRow = new Option<int>("--records-per-row") { Description = "K records of L/K tokens packed into each row (DP: timed packed and unpacked)", DefaultValueFactory = _ => 1 };
        var threads = new Option<int?>("--threads") { Description = "libtorch intra-op threads on the CPU (default: what training uses)" };
        var blasThreads = new Option<int?>("--blas-threads") { Description = "OpenBLAS threads on the CPU (default: what training uses)" };
        var lossChunk = new Option<int?>("--loss-chunk-tokens") { Description = "Tokens per cross-entropy chunk (default: 2^25 logits; 0: whole logits)" };
        var checkpointing = new Option<bool>("--gradient-checkpointing") { Description = "Recompute each decoder block in backward instead of keeping its activations (not with --dp)" };
        var densePackingMask = new Option<bool>("--dense-packing-mask") { Description = "Packed rows (--records-per-row > 1) attend through one dense block-diagonal mask instead of per-record batches (to compare the two)" };
        var data = new Option<string?>("--data") { Description = "Time the examples of this dataset (tokenized by the model folder's tokenizer, truncated to --seq-len, packed as training packs them) instead of random rows" };
        var varlenAttention = new Option<bool>("--varlen-attention") { Description = "Packed rows (--records-per-row > 1) attend through variable-length attention (libtorch's flash kernel on CUDA in bf16/f16) instead of per-record batches (to compare the two)" };
        var loraInBaseDType = new Option<bool>("--lora-in-base-dtype") { Description = "With a bf16/f16 base, LoRA branches compute in that dtype instead of casting each input to float32 (to compare the two)" };
        var loraDropout = new Option<double>("--lora-dropout") { Description = "LoRA dropout during the timed steps (default 0; training's default is 0.05)", DefaultValueFactory = _ => 0 };
        var json = CliOptions.Json();
        var train = new Command("train", "LoRA training tokens/s, step time, peak memory and MFU against a GEMM measured on the same device and dtype")
        {
            model, backend, dtype, deviceIndex, batchSize, seqLen, steps, dp, recordsPerRow, threads, blasThreads, lossChunk, checkpointing, densePackingMask, varlenAttention, loraInBaseDType, loraDropout, data, json,
        };
        train.SetAction(parseResult =>
        {
            string backendName = parseResult.GetValue(backend)!;
            // The device is checked before the model is resolved or loaded, so a missing GPU is the whole message.
            Device device = BenchBackend.Resolve(backendName, parseResult.GetValue(deviceIndex));
            ScalarType weights = parseResult.GetValue(dtype) is { } text ? CliOptions.ParseDType(text) : BenchBackend.DefaultDType(device);
            var options = new TrainBenchmarkOptions(
                ModelSource.Resolve(parseResult.GetValue(model)!, CancellationToken.None),
                backendName,
                device,
                weights,
                parseResult.GetValue(batchSize),
                parseResult.GetValue(seqLen),
                parseResult.GetValue(steps),
                parseResult.GetValue(dp),
                parseResult.GetValue(recordsPerRow),
                parseResult.GetValue(threads),
                parseResult.GetValue(blasThreads),
                parseResult.GetValue(lossChunk),
                parseResult.GetValue(checkpointing),
                parseResult.GetValue(densePackingMask),
                parseResult.GetValue(loraInBaseDType),
                parseResult.GetValue(loraDropout),
                parseResult.GetValue(varlenAttention),
                parseResult.GetValue(data));
            TrainBenchmarkResult r = TrainBenchmark.Run(options);
            output.WriteLine(parseResult.GetValue(json) ? JsonSerializer.Serialize(r, CliJson.Options) : Describe(r));
            return 0;
        });
        return train;
    }

    private static string Describe(TrainBenchmarkResult r)
    {
        var text = new StringBuilder();
        text.AppendLine($"{r.Backend} on {r.Device} ({r.DeviceName}), {r.Dtype} base, libtorch {r.Libtorch}");
        if (r.IntraOpThreads is int intraOp)
        {
            text.AppendLine($"threads: {intraOp} libtorch intra-op, {(r.BlasThreads is int blas ? blas.ToString(CultureInfo.InvariantCulture) : "n/a (no OpenBLAS)")} OpenBLAS");
        }
        if (r.HugePages is HugePagesState pages)
        {
            text.AppendLine($"memory: {pages.Describe()}");
        }
        text.AppendLine($"loss: {(r.LossChunkTokens is 0 or null ? "whole logits" : $"chunks of {r.LossChunkTokens} tokens")}{(r.GradientCheckpointing ? "; gradient checkpointing" : "")}; LoRA branches in {(r.LoraInBaseDtype ? r.Dtype : "f32")}{(r.LoraDropout > 0 ? $", dropout {r.LoraDropout:G3}" : "")}");
        if (r.Data is not null)
        {
            string left = r.DataExamples < r.DataExamplesRead ? $" ({r.DataExamplesRead - r.DataExamples:N0} of {r.DataExamplesRead:N0} left out: no token to train on within --seq-len)" : "";
            text.AppendLine($"data: {r.Data}, {r.DataExamples:N0} examples of {r.MeanRecordTokens:F0} tokens on average{left}, packed into rows of {r.SequenceLength} as training packs them");
        }
        if (r.RecordsPerRow > 1 || r.Data is not null)
        {
            string attending = r.VarlenAttention switch
            {
                "flash_kernel" => "through variable-length flash attention",
                "per_record" => "through variable-length attention run record by record (the flash kernel needs CUDA, bf16/f16 and libtorch >= 2.5)",
                _ => r.DensePackingMask ? "through one dense block-diagonal mask" : "as batches of their own (segments)",
            };
            text.AppendLine($"packing: {(r.Data is null ? $"{r.RecordsPerRow} records per row" : "the file's records")}, attending {attending}");
        }
        text.AppendLine($"{r.Parameters:N0} parameters, batch {r.BatchSize} x {r.SequenceLength}: {r.TokensPerSecond:F0} tokens/s, {r.StepMilliseconds:F0} ms/step, peak memory {r.PeakMemoryBytes / (1 << 20):N0} MiB");
        if (r.MicroBatchSize < r.BatchSize)
        {
            text.AppendLine($"warning: out of memory at batch {r.BatchSize}; the trainer ran micro-batches of {r.MicroBatchSize}");
        }
        text.Append($"model {r.ModelGflops:F1} GFLOP/s vs {r.Dtype} GEMM {r.GemmSize}^3 {r.GemmGflops:F1} GFLOP/s measured now{(r.GemmThreads is int n ? $" on {n} threads" : "")}: MFU {r.ModelFlopsUtilization:P0}");
        if (r.DpTokensPerSecond is double dpRate)
        {
            string packed = r.Data is not null ? " packed (the file's records)" : r.RecordsPerRow > 1 ? $" packed ({r.RecordsPerRow} records per row)" : "";
            text.Append($"\nDP-SGD{packed} {dpRate:F0} tokens/s = {r.DpRelativeThroughput:F2}x non-DP (target >= 0.8x), peak memory {r.DpPeakMemoryBytes / (1 << 20):N0} MiB");
        }
        if (r.DpUnpackedTokensPerSecond is double unpackedRate)
        {
            text.Append($"\nDP-SGD unpacked (one record per row) {unpackedRate:F0} tokens/s = {unpackedRate / r.TokensPerSecond:F2}x non-DP packed");
        }
        return text.ToString();
    }

    private static Command Tokenize(TextWriter output)
    {
        var tokenizer = new Option<string>("--tokenizer") { Description = "Tokenizer folder", Required = true };
        var file = new Option<string?>("--file") { Description = "English text to encode (default: the Alpaca demo set's text)" };
        var json = CliOptions.Json();
        var command = new Command("tokenize", "Tokenizer throughput in MB/s on one thread (target >= 1 MB/s)") { tokenizer, file, json };
        command.SetAction(parseResult =>
        {
            string text = parseResult.GetValue(file) is { } path ? File.ReadAllText(path) : DefaultText();
            TokenizeBenchmarkResult r = TokenizeBenchmark.Run(parseResult.GetValue(tokenizer)!, text, 5);
            output.WriteLine(parseResult.GetValue(json)
                ? JsonSerializer.Serialize(r, CliJson.Options)
                : $"{r.Bytes:N0} bytes -> {r.Tokens:N0} tokens: {r.ColdMegabytesPerSecond:F2} MB/s cold, {r.WarmMegabytesPerSecond:F2} MB/s warm (one thread)");
            return 0;
        });
        return command;
    }

    private static Command Privacy(TextWriter output)
    {
        var json = CliOptions.Json();
        var command = new Command("privacy", "Seconds per privacy epsilon (target <= 1 s) and privacy noise (target <= 10 s), RDP and PRV") { json };
        command.SetAction(parseResult =>
        {
            IReadOnlyList<PrivacyBenchmarkRow> rows = PrivacyBenchmark.Run();
            if (parseResult.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(rows, CliJson.Options));
                return 0;
            }
            foreach (PrivacyBenchmarkRow r in rows)
            {
                string input = r.Command == "epsilon" ? $"sigma={r.Input:G4}" : $"eps={r.Input:G4}";
                string result = r.Error is null ? $"{(r.Command == "epsilon" ? "eps" : "sigma")}={r.Result:G6}" : $"error: {r.Error}";
                output.WriteLine($"{r.Command,-7} {r.Accountant} {input,-11} q={r.SampleRate:G4} T={r.Steps} delta={r.Delta:G2}: {r.Seconds,7:F3} s ({r.CpuSeconds:F3} s CPU)  {result}");
            }
            return 0;
        });
        return command;
    }

    private static string DefaultText()
    {
        string root = CliOptions.RepoRoot() ?? throw new ArgumentException("give --file (no checkout with ../shared/assets found)");
        string alpaca = Path.Combine(root, "..", "shared", "assets", "datasets", "alpaca-en-demo", "alpaca_en_demo.json");
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(alpaca));
        return string.Join("\n", document.RootElement.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Value.GetString())));
    }
}
