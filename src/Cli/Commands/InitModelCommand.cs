using System.CommandLine;
using System.Text.Json;
using FineTune.Cli.Models;
using FineTune.Training.Model;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune init-model --config tiny|qwen2.5-0.5b|llama-3.2-1b|llama-3.1-8b --out DIR [--dtype] [--tokenizer DIR]</c>:
/// a randomly initialised model folder of a published shape, with a real tokenizer, for benchmarks.
/// </summary>
internal static class InitModelCommand
{
    private static readonly string[] s_tokenizerFiles = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];

    public static Command Create(TextWriter output)
    {
        var preset = new Option<string>("--config") { Description = string.Join("|", ModelPresets.Names), Required = true };
        var outDir = new Option<string>("--out") { Description = "Folder to write", Required = true };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer folder (default: the matching one in ../shared/assets)" };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 0 };
        var dtype = CliOptions.DType();
        var json = CliOptions.Json();
        var command = new Command("init-model", "Write a randomly initialised model folder of a published shape") { preset, outDir, tokenizer, seed, dtype, json };
        command.SetAction(parseResult =>
        {
            var (config, tokenizerName) = ModelPresets.Get(parseResult.GetValue(preset)!);
            string folder = parseResult.GetValue(outDir)!;
            string tokenizerDir = parseResult.GetValue(tokenizer) ?? SharedTokenizer(tokenizerName);
            if (!File.Exists(Path.Combine(tokenizerDir, "tokenizer.json")))
            {
                throw new ArgumentException($"--tokenizer: {tokenizerDir} has no tokenizer.json");
            }
            long parameters = RandomModelWriter.Write(config, folder, CliOptions.ParseDType(parseResult.GetValue(dtype)!), parseResult.GetValue(seed));
            TransformerWriter.CopyFiles(tokenizerDir, folder, s_tokenizerFiles);
            output.WriteLine(parseResult.GetValue(json)
                ? JsonSerializer.Serialize(new { path = Path.GetFullPath(folder), parameters }, CliJson.Options)
                : $"wrote {Path.GetFullPath(folder)} ({parameters:N0} parameters)");
            return 0;
        });
        return command;
    }

    private static string SharedTokenizer(string name)
    {
        string root = CliOptions.RepoRoot() ?? throw new ArgumentException("give --tokenizer DIR (no checkout with ../shared/assets found)");
        string assets = Path.GetFullPath(Path.Combine(root, "..", "shared", "assets"));
        return name == "tinystories" ? Path.Combine(assets, "models", "tinystories-656k") : Path.Combine(assets, "tokenizers", name);
    }
}
