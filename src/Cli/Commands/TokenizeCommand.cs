using System.CommandLine;
using System.Text.Json;
using FineTune.Text.Tokenization;

namespace FineTune.Cli.Commands;

/// <summary><c>finetune tokenize --tokenizer DIR [--json] TEXT</c> and <c>--decode 1,2,3</c>.</summary>
internal static class TokenizeCommand
{
    public static Command Create(TextWriter output)
    {
        var tokenizerDir = new Option<string>("--tokenizer") { Description = "Folder with tokenizer.json (and tokenizer_config.json)", Required = true };
        var decode = new Option<string?>("--decode") { Description = "Comma-separated ids to turn back into text" };
        var noSpecial = new Option<bool>("--no-special-tokens") { Description = "Do not add BOS/EOS from the post-processor" };
        var json = CliOptions.Json();
        var text = new Argument<string?>("text") { Description = "Text to encode", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("tokenize", "Encode text to token ids, or decode ids to text") { tokenizerDir, decode, noSpecial, json, text };
        command.SetAction(parseResult =>
        {
            Tokenizer tokenizer = Tokenizer.FromFolder(parseResult.GetValue(tokenizerDir)!);
            string? idList = parseResult.GetValue(decode);
            if (idList is not null)
            {
                int[] ids = ParseIds(idList);
                string decoded = tokenizer.Decode(ids);
                output.WriteLine(parseResult.GetValue(json) ? JsonSerializer.Serialize(new { text = decoded }, CliJson.Options) : decoded);
                return 0;
            }
            string input = parseResult.GetValue(text) ?? throw new ArgumentException("give TEXT to encode, or --decode IDS");
            int[] encoded = tokenizer.Encode(input, addSpecialTokens: !parseResult.GetValue(noSpecial));
            output.WriteLine(parseResult.GetValue(json) ? JsonSerializer.Serialize(new { ids = encoded }, CliJson.Compact) : string.Join(' ', encoded));
            return 0;
        });
        return command;
    }

    private static int[] ParseIds(string list)
    {
        return list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => int.TryParse(part, out int id) && id >= 0 ? id : throw new ArgumentException($"--decode: '{part}' is not a token id"))
            .ToArray();
    }
}
