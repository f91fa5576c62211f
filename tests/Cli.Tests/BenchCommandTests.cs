using System.Text.Json;
using FineTune.Training.Backends;

namespace FineTune.Cli.Tests;

public class BenchCommandTests
{
    [Fact]
    public void BenchOps_Json_PrintsMeasuredOverheadAndGemmThroughput()
    {
        CliRun run = CliRun.Invoke("bench", "ops", "--json", "--iterations", "2000");

        Assert.Equal(0, run.ExitCode);
        using JsonDocument result = JsonDocument.Parse(run.Output);
        JsonElement root = result.RootElement;
        Assert.True(root.GetProperty("small_op_microseconds").GetDouble() > 0);
        Assert.True(root.GetProperty("shim_round_trip_microseconds").GetDouble() > 0);
        JsonElement[] gemm = root.GetProperty("gemm").EnumerateArray().ToArray();
        Assert.Equal(2, gemm.Length);
        Assert.Equal(1024, gemm[0].GetProperty("m").GetInt64());
        Assert.Equal(4096, gemm[1].GetProperty("m").GetInt64());
        Assert.All(gemm, g => Assert.True(g.GetProperty("gflops").GetDouble() > 0));
        // The GEMMs run on OpenBLAS's pool when libtorch links it: its size is printed beside libtorch's.
        Assert.True(root.GetProperty("threads").GetInt32() >= 1);
        JsonElement blas = root.GetProperty("blas_threads");
        Assert.True(blas.ValueKind == JsonValueKind.Null || blas.GetInt32() >= 1);
    }

    [Fact]
    public void BenchOps_Text_NamesBothThreadPools()
    {
        CliRun run = CliRun.Invoke("bench", "ops", "--iterations", "2000");

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"libtorch \S+, \d+ intra-op threads, (\d+ OpenBLAS threads|BLAS on the intra-op pool)", run.Output);
    }

    [Fact]
    public void BenchOps_NonPositiveIterations_IsAClearError()
    {
        CliRun run = CliRun.Invoke("bench", "ops", "--iterations", "0");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--iterations", run.Error);
    }
}

public sealed class BenchTrainAndTokenizeTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "finetune-bench-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public void BenchTrain_CpuBackend_PrintsEveryFigureWithPositiveValues()
    {
        Assert.Equal(0, CliRun.Invoke("init-model", "--config", "tiny", "--out", _folder).ExitCode);

        CliRun run = CliRun.Invoke("bench", "train", "--model", _folder, "--batch-size", "2", "--seq-len", "32", "--steps", "2", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument result = JsonDocument.Parse(run.Output);
        JsonElement root = result.RootElement;
        Assert.Equal("libtorch-cpu", root.GetProperty("backend").GetString());
        Assert.Equal("cpu", root.GetProperty("device").GetString());
        Assert.Equal("f32", root.GetProperty("dtype").GetString());
        Assert.Equal(2, root.GetProperty("batch_size").GetInt32());
        Assert.Equal(32, root.GetProperty("seq_len").GetInt32());
        Assert.Equal(2, root.GetProperty("steps").GetInt32());
        Assert.Equal(2, root.GetProperty("micro_batch_size").GetInt32());
        Assert.Equal(1024, root.GetProperty("gemm_size").GetInt64());
        Assert.True(root.GetProperty("parameters").GetInt64() > 0);
        Assert.True(root.GetProperty("peak_memory_bytes").GetInt64() > 0);
        foreach (string figure in (string[])["tokens_per_second", "step_ms", "model_flops_per_token", "model_gflops", "gemm_gflops"])
        {
            Assert.True(root.GetProperty(figure).GetDouble() > 0, figure);
        }
        Assert.InRange(root.GetProperty("model_flops_utilization").GetDouble(), 1e-6, 2.0);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("dp_tokens_per_second").ValueKind);
    }

    [Fact]
    public void BenchTrain_CpuBackendWithDp_AlsoPrintsDpThroughput()
    {
        Assert.Equal(0, CliRun.Invoke("init-model", "--config", "tiny", "--out", _folder).ExitCode);

        CliRun run = CliRun.Invoke("bench", "train", "--backend", "libtorch-cpu", "--model", _folder, "--batch-size", "2", "--seq-len", "16", "--steps", "1", "--dp", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument result = JsonDocument.Parse(run.Output);
        JsonElement root = result.RootElement;
        Assert.True(root.GetProperty("dp_tokens_per_second").GetDouble() > 0);
        Assert.True(root.GetProperty("dp_peak_memory_bytes").GetInt64() > 0);
        Assert.True(root.GetProperty("dp_relative_throughput").GetDouble() > 0);
    }

    [Fact]
    public void BenchTrain_DpWithRecordsPerRow_TimesDpPackedAndUnpacked()
    {
        Assert.Equal(0, CliRun.Invoke("init-model", "--config", "tiny", "--out", _folder).ExitCode);

        CliRun run = CliRun.Invoke("bench", "train", "--model", _folder, "--batch-size", "2", "--seq-len", "16", "--steps", "1", "--dp", "--records-per-row", "4", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument result = JsonDocument.Parse(run.Output);
        JsonElement root = result.RootElement;
        Assert.Equal(4, root.GetProperty("records_per_row").GetInt32());
        Assert.True(root.GetProperty("dp_tokens_per_second").GetDouble() > 0);
        Assert.True(root.GetProperty("dp_unpacked_tokens_per_second").GetDouble() > 0);
    }

    [Fact]
    public void BenchTrain_PackedRows_SayHowTheyAttend_AndCountAttentionWithinARecord()
    {
        Assert.Equal(0, CliRun.Invoke("init-model", "--config", "tiny", "--out", _folder).ExitCode);
        JsonElement Bench(params string[] extra)
        {
            CliRun run = CliRun.Invoke(["bench", "train", "--model", _folder, "--batch-size", "2", "--seq-len", "32", "--steps", "1", "--json", .. extra]);
            Assert.True(run.ExitCode == 0, run.Error);
            using JsonDocument result = JsonDocument.Parse(run.Output);
            return result.RootElement.Clone();
        }

        JsonElement whole = Bench();
        JsonElement segments = Bench("--records-per-row", "4");
        JsonElement dense = Bench("--records-per-row", "4", "--dense-packing-mask");
        JsonElement varlen = Bench("--records-per-row", "4", "--varlen-attention");
        CliRun text = CliRun.Invoke("bench", "train", "--model", _folder, "--batch-size", "2", "--seq-len", "32", "--steps", "1", "--records-per-row", "4", "--dense-packing-mask");
        CliRun varlenText = CliRun.Invoke("bench", "train", "--model", _folder, "--batch-size", "2", "--seq-len", "32", "--steps", "1", "--records-per-row", "4", "--varlen-attention");

        Assert.False(segments.GetProperty("dense_packing_mask").GetBoolean());
        Assert.True(dense.GetProperty("dense_packing_mask").GetBoolean());
        Assert.Contains("4 records per row, attending through one dense block-diagonal mask", text.Output);
        // On the CPU the flash kernel cannot run, and the figures say so.
        Assert.Equal(JsonValueKind.Null, segments.GetProperty("varlen_attention").ValueKind);
        Assert.Equal("per_record", varlen.GetProperty("varlen_attention").GetString());
        Assert.Contains("attending through variable-length attention run record by record", varlenText.Output);
        // Three exact ways on the same rows from the same adapter: the same timed loss (float32 summation order aside).
        double segmentsLoss = segments.GetProperty("losses")[0].GetDouble();
        Assert.True(double.IsFinite(segmentsLoss) && segmentsLoss > 0);
        Assert.Equal(segmentsLoss, dense.GetProperty("losses")[0].GetDouble(), 1e-4);
        Assert.Equal(segmentsLoss, varlen.GetProperty("losses")[0].GetDouble(), 1e-4);
        // Same model and L: a packed token attends 8 positions, not 32, so its model FLOPs are fewer.
        double wholeFlops = whole.GetProperty("model_flops_per_token").GetDouble();
        Assert.True(segments.GetProperty("model_flops_per_token").GetDouble() < wholeFlops);
        Assert.Equal(segments.GetProperty("model_flops_per_token").GetDouble(), dense.GetProperty("model_flops_per_token").GetDouble());
    }

    [Fact]
    public void BenchTrain_Data_PacksTheFilesExamples_AndSaysWhatItTimed()
    {
        string model = FineTune.Testing.RepoPaths.Model("tinystories-656k");
        string data = FineTune.Testing.RepoPaths.Asset("datasets/alpaca-en-demo/alpaca_en_demo.json");

        CliRun run = CliRun.Invoke("bench", "train", "--model", model, "--data", data, "--batch-size", "2", "--seq-len", "128", "--steps", "1", "--dp", "--json");
        CliRun text = CliRun.Invoke("bench", "train", "--model", model, "--data", data, "--batch-size", "2", "--seq-len", "128", "--steps", "1");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument result = JsonDocument.Parse(run.Output);
        JsonElement root = result.RootElement;
        Assert.Equal("alpaca_en_demo.json", root.GetProperty("data").GetString());
        // Examples whose prompt fills 128 tokens keep no target and are left out, as training leaves them out.
        Assert.Equal(999, root.GetProperty("data_examples_read").GetInt32());
        int kept = root.GetProperty("data_examples").GetInt32();
        Assert.InRange(kept, 1, 998);
        double mean = root.GetProperty("mean_record_tokens").GetDouble();
        Assert.InRange(mean, 2, 128);
        // Packed like training: DP is timed packed and one record per row, and the attention counted is a record's.
        Assert.True(root.GetProperty("dp_tokens_per_second").GetDouble() > 0);
        Assert.True(root.GetProperty("dp_unpacked_tokens_per_second").GetDouble() > 0);
        Assert.True(double.IsFinite(root.GetProperty("losses")[0].GetDouble()));
        Assert.Contains($"data: alpaca_en_demo.json, {kept:N0} examples of", text.Output);
        Assert.Contains($"({999 - kept:N0} of 999 left out: no token to train on within --seq-len)", text.Output);
        Assert.Contains("packing: the file's records, attending as batches of their own (segments)", text.Output);
    }

    [Fact]
    public void BenchTrain_Data_RefusesRecordsPerRow_AndAMissingFile()
    {
        string model = FineTune.Testing.RepoPaths.Model("tinystories-656k");

        CliRun withK = CliRun.Invoke("bench", "train", "--model", model, "--data", FineTune.Testing.RepoPaths.Asset("datasets/alpaca-en-demo/alpaca_en_demo.json"), "--records-per-row", "4");
        CliRun missing = CliRun.Invoke("bench", "train", "--model", model, "--data", "/no/such/file.jsonl");

        Assert.Equal(1, withK.ExitCode);
        Assert.Contains("--records-per-row is for random rows", withK.Error);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("--data: no file /no/such/file.jsonl", missing.Error);
    }

    [Fact]
    public void BenchTrain_RefusesTwoWaysOfAttendingAtOnce()
    {
        Assert.Equal(0, CliRun.Invoke("init-model", "--config", "tiny", "--out", _folder).ExitCode);

        CliRun run = CliRun.Invoke("bench", "train", "--model", _folder, "--records-per-row", "4", "--dense-packing-mask", "--varlen-attention");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--dense-packing-mask and --varlen-attention", run.Error);
    }

    [Fact]
    public void BenchTrain_LoraInBaseDType_IsPrintedForA16BitBaseOnly()
    {
        Assert.Equal(0, CliRun.Invoke("init-model", "--config", "tiny", "--out", _folder).ExitCode);
        string[] common = ["bench", "train", "--model", _folder, "--batch-size", "1", "--seq-len", "16", "--steps", "1", "--lora-in-base-dtype"];

        CliRun bf16 = CliRun.Invoke([.. common, "--dtype", "bf16"]);
        CliRun f32 = CliRun.Invoke([.. common, "--json"]);

        Assert.True(bf16.ExitCode == 0, bf16.Error);
        Assert.Contains("LoRA branches in bf16", bf16.Output);
        Assert.True(f32.ExitCode == 0, f32.Error);
        using JsonDocument result = JsonDocument.Parse(f32.Output);
        Assert.False(result.RootElement.GetProperty("lora_in_base_dtype").GetBoolean());
    }

    [Fact]
    public void BenchTrain_RecordsShorterThanTwoTokens_AreRefusedInOneLine()
    {
        Assert.Equal(0, CliRun.Invoke("init-model", "--config", "tiny", "--out", _folder).ExitCode);

        CliRun run = CliRun.Invoke("bench", "train", "--model", _folder, "--seq-len", "16", "--records-per-row", "9");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--records-per-row", run.Error);
    }

    [Fact]
    public void BenchTrain_ThreadAndLossChunkFlags_AreAppliedAndPrinted()
    {
        Assert.Equal(0, CliRun.Invoke("init-model", "--config", "tiny", "--out", _folder).ExitCode);

        CliRun run = CliRun.Invoke("bench", "train", "--model", _folder, "--batch-size", "2", "--seq-len", "16", "--steps", "1",
            "--threads", "1", "--blas-threads", "1", "--loss-chunk-tokens", "7", "--gradient-checkpointing", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument result = JsonDocument.Parse(run.Output);
        JsonElement root = result.RootElement;
        Assert.Equal(1, root.GetProperty("intra_op_threads").GetInt32());
        // Debian's libtorch links OpenBLAS (null only where another BLAS follows the intra-op count).
        Assert.True(root.GetProperty("blas_threads").ValueKind == JsonValueKind.Null || root.GetProperty("blas_threads").GetInt32() == 1);
        Assert.Equal(1, root.GetProperty("gemm_threads").GetInt32());
        Assert.Equal(7, root.GetProperty("loss_chunk_tokens").GetInt64());
        Assert.True(root.GetProperty("gradient_checkpointing").GetBoolean());
        Assert.True(root.GetProperty("tokens_per_second").GetDouble() > 0);
        // What this process started with: ./test.sh and ./finetune set GLIBC_TUNABLES, a bare dotnet test may not.
        JsonElement pages = root.GetProperty("huge_pages");
        Assert.Equal(MallocHugePages.Requested(Environment.GetEnvironmentVariable("GLIBC_TUNABLES")), pages.GetProperty("requested").GetBoolean());
        Assert.Equal(MallocHugePages.Current().InEffect, pages.GetProperty("in_effect").GetBoolean());
    }

    [Fact]
    public void BenchTrain_MoreLibtorchThanBlasThreads_MeasuresTheReferenceGemmOnEveryCoreInUse()
    {
        // Two libtorch threads beside one OpenBLAS thread: the MFU must divide by a GEMM on two cores, not one (it
        // read 104-107% when the reference ran on OpenBLAS's single thread).
        Assert.Equal(0, CliRun.Invoke("init-model", "--config", "tiny", "--out", _folder).ExitCode);

        CliRun run = CliRun.Invoke("bench", "train", "--model", _folder, "--batch-size", "2", "--seq-len", "16", "--steps", "1",
            "--threads", "2", "--blas-threads", "1");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("measured now on 2 threads: MFU", run.Output);
    }

    [Fact]
    public void BenchTrain_LoraDropout_IsAppliedAndPrinted()
    {
        Assert.Equal(0, CliRun.Invoke("init-model", "--config", "tiny", "--out", _folder).ExitCode);
        string[] common = ["bench", "train", "--model", _folder, "--batch-size", "1", "--seq-len", "16", "--steps", "1", "--lora-dropout", "0.05"];

        CliRun text = CliRun.Invoke(common);
        CliRun json = CliRun.Invoke([.. common, "--json"]);

        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Contains("LoRA branches in f32, dropout 0.05", text.Output);
        Assert.True(json.ExitCode == 0, json.Error);
        using JsonDocument result = JsonDocument.Parse(json.Output);
        Assert.Equal(0.05, result.RootElement.GetProperty("lora_dropout").GetDouble());
    }

    [Theory]
    [InlineData("--lora-dropout", "1")]
    [InlineData("--loss-chunk-tokens", "-1")]
    [InlineData("--threads", "0")]
    [InlineData("--blas-threads", "0")]
    public void BenchTrain_BadThreadOrChunkFlag_IsRefusedNamingIt(string flag, string value)
    {
        Assert.Equal(0, CliRun.Invoke("init-model", "--config", "tiny", "--out", _folder).ExitCode);

        CliRun run = CliRun.Invoke("bench", "train", "--model", _folder, "--seq-len", "16", flag, value);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(flag, run.Error);
    }

    [Fact]
    public void BenchTrain_CheckpointingWithDp_IsRefusedNamingBoth()
    {
        Assert.Equal(0, CliRun.Invoke("init-model", "--config", "tiny", "--out", _folder).ExitCode);

        CliRun run = CliRun.Invoke("bench", "train", "--model", _folder, "--seq-len", "16", "--gradient-checkpointing", "--dp");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--gradient-checkpointing", run.Error);
        Assert.Contains("--dp", run.Error);
    }

    [Fact]
    public void BenchTrain_CudaBackendWithoutGpu_FailsWithOneReadableLine()
    {
        if (FineTune.Torch.torch.cuda.is_available())
        {
            // On a GPU machine the command would run; this case is about the message without one.
            return;
        }

        CliRun run = CliRun.Invoke("bench", "train", "--backend", "libtorch-cuda", "--dtype", "bf16", "--model", _folder, "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Output);
        string[] lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: --backend libtorch-cuda:", lines[0]);
        Assert.Contains("no CUDA device", lines[0]);
    }

    [Fact]
    public void BenchTrain_UnknownBackend_IsOneLineArgumentError()
    {
        CliRun run = CliRun.Invoke("bench", "train", "--backend", "tpu", "--model", _folder);

        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("libtorch-cuda", run.Error);
    }

    [Fact]
    public void BenchTrain_ZeroSteps_IsAClearError()
    {
        Assert.Equal(0, CliRun.Invoke("init-model", "--config", "tiny", "--out", _folder).ExitCode);

        CliRun run = CliRun.Invoke("bench", "train", "--model", _folder, "--steps", "0");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--steps", run.Error);
    }

    [Fact]
    public void BenchTokenize_PrintsMegabytesPerSecond()
    {
        CliRun run = CliRun.Invoke("bench", "tokenize", "--tokenizer", FineTune.Testing.RepoPaths.Model("tinystories-656k"), "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument result = JsonDocument.Parse(run.Output);
        Assert.True(result.RootElement.GetProperty("warm_megabytes_per_second").GetDouble() > 0);
        Assert.True(result.RootElement.GetProperty("tokens").GetInt32() > 100_000);
    }
}
