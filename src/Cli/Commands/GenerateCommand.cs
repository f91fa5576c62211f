using System.CommandLine;
using System.Text.Json;
using FineTune.Contracts.Models;
using FineTune.Text.Chat;
using FineTune.Text.Tokenization;
using FineTune.Torch;
using FineTune.Training.Generation;
using FineTune.Training.Lora;
using FineTune.Training.Model;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune generate --model DIR [--prompt TEXT] [--max-new-tokens N] [--greedy] [--temperature T] [--top-k K]
/// [--top-p P] [--seed S] [--json]</c>. An empty or missing prompt starts from BOS alone.
/// </summary>
internal static class GenerateCommand
{
    private static readonly string[] s_endOfTurnTokens = ["<|im_end|>", "<|eot_id|>", "</s>"];

    public static Command Create(TextWriter output)
    {
        var model = new Option<string>("--model") { Description = "Model folder or Hugging Face id (org/name)", Required = true };
        var prompt = new Option<string?>("--prompt") { Description = "Text to continue (default: start from BOS)" };
        var adapter = new Option<string?>("--adapter") { Description = "PEFT LoRA adapter folder to apply" };
        var chat = new Option<bool>("--chat") { Description = "Send the prompt as a user message through the chat template" };
        var chatTemplate = new Option<string?>("--chat-template") { Description = "chatml|llama3|llama2|mistral|alpaca (default: the tokenizer's)" };
        var maxNewTokens = new Option<int>("--max-new-tokens") { DefaultValueFactory = _ => 128 };
        var greedy = new Option<bool>("--greedy") { Description = "Pick the most likely token each step" };
        var temperature = new Option<double>("--temperature") { DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int>("--top-k") { DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { DefaultValueFactory = _ => 1.0 };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 0 };
        var device = CliOptions.Device();
        var dtype = CliOptions.DType();
        var json = CliOptions.Json();
        var command = new Command("generate", "Continue a prompt with a model")
        {
            model, prompt, adapter, chat, chatTemplate, maxNewTokens, greedy, temperature, topK, topP, seed, device, dtype, json,
        };
        command.SetAction(parseResult =>
        {
            string folder = ModelSource.Resolve(parseResult.GetValue(model)!, CancellationToken.None);
            var options = new GenerationOptions
            {
                MaxNewTokens = parseResult.GetValue(maxNewTokens),
                Greedy = parseResult.GetValue(greedy),
                Temperature = parseResult.GetValue(temperature),
                TopK = parseResult.GetValue(topK),
                TopP = parseResult.GetValue(topP),
                Seed = parseResult.GetValue(seed),
            };
            options.Validate();
            Tokenizer tokenizer = Tokenizer.FromFolder(folder);
            using Transformer transformer = TransformerLoader.Load(folder, CliOptions.ParseDType(parseResult.GetValue(dtype)!), Device.Parse(parseResult.GetValue(device)!));
            using LoraModel? lora = parseResult.GetValue(adapter) is { } adapterFolder ? PeftAdapter.Load(transformer, adapterFolder) : null;
            lora?.SetTraining(false);
            int[] promptIds;
            if (parseResult.GetValue(chat))
            {
                ChatTemplate template = ChatTemplates.ForTokenizerOrAlpaca(tokenizer, parseResult.GetValue(chatTemplate));
                promptIds = template.Render([new ChatTurn(ChatRoles.User, parseResult.GetValue(prompt) ?? "")], tokenizer, addGenerationPrompt: true).Ids;
                options = options with { StopTokenIds = StopTokens(tokenizer, transformer.Config) };
            }
            else
            {
                promptIds = PromptIds(tokenizer, transformer.Config, parseResult.GetValue(prompt));
            }
            GenerationResult result = TextGenerator.Generate(transformer, promptIds, options);
            string text = tokenizer.Decode(result.TokenIds.ToArray(), skipSpecialTokens: true);
            if (parseResult.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new { text, token_ids = result.TokenIds, tokens_per_second = result.TokensPerSecond }, CliJson.Compact));
            }
            else
            {
                output.WriteLine(text);
            }
            return 0;
        });
        return command;
    }

    /// <summary>EOS plus the end-of-turn tokens of the chat families, where the vocabulary has them.</summary>
    private static int[] StopTokens(Tokenizer tokenizer, ModelConfig config)
    {
        IEnumerable<int?> candidates = s_endOfTurnTokens.Select(tokenizer.TokenToId).Append(tokenizer.EosTokenId);
        return candidates.OfType<int>().Concat(config.EosTokenIds).Distinct().ToArray();
    }

    private static int[] PromptIds(Tokenizer tokenizer, ModelConfig config, string? prompt)
    {
        int[] ids = string.IsNullOrEmpty(prompt) ? [] : tokenizer.Encode(prompt);
        if (ids.Length > 0)
        {
            return ids;
        }
        int? bos = tokenizer.BosTokenId ?? config.BosTokenId;
        return bos is int id ? [id] : throw new ArgumentException("the prompt is empty and the model names no BOS token to start from");
    }
}
