using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FineTune.Training.Chat;

namespace FineTune.Training.Tests.Chat;

/// <summary>
/// Renders official Jinja chat templates with <c>@huggingface/jinja</c> (the renderer behind transformers.js's
/// apply_chat_template) through <c>tools/reference/tokenizer/chat.mjs</c>. A missing node or node_modules fails
/// the test with the fix, never skips.
/// </summary>
internal static class JinjaReference
{
    private const string InstallHint = "run `npm ci --prefix tools/reference/tokenizer` (node 20+ must be on PATH)";

    /// <summary>Renders each conversation with <paramref name="template"/>; null where the template raised.</summary>
    public static string?[] Render(
        string template,
        IReadOnlyList<IReadOnlyList<ChatTurn>> conversations,
        bool addGenerationPrompt,
        string bosToken = "",
        string eosToken = "")
    {
        Request[] requests =
        [
            .. conversations.Select(c => new Request(
                template,
                [.. c.Select(t => new Message(t.Role, t.Content))],
                addGenerationPrompt,
                bosToken,
                eosToken)),
        ];
        string output = Run(JsonSerializer.Serialize(requests));
        Response[] responses = JsonSerializer.Deserialize<Response[]>(output)
            ?? throw new InvalidDataException("The Jinja reference printed null.");
        return [.. responses.Select(r => r.Text)];
    }

    private static string Run(string stdinJson)
    {
        string toolDirectory = Path.Combine(ChatTestAssets.RepoRoot, "tools", "reference", "tokenizer");
        string package = Path.Combine(toolDirectory, "node_modules", "@huggingface", "jinja", "package.json");
        Assert.True(File.Exists(package), $"The Jinja reference is not installed: {InstallHint}.");

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(toolDirectory, "chat.mjs"));

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (Win32Exception ex)
        {
            Assert.Fail($"node could not be started ({ex.Message}): {InstallHint}.");
            throw;
        }

        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(stdinJson);
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("The node Jinja reference timed out.");
            }

            Assert.True(process.ExitCode == 0, $"The Jinja reference failed ({InstallHint}?): {stderr.Result}");
            return stdout.Result;
        }
    }

    private sealed record Message(
        [property: JsonPropertyName("role")] string Role,
        [property: JsonPropertyName("content")] string Content);

    private sealed record Request(
        [property: JsonPropertyName("template")] string Template,
        [property: JsonPropertyName("messages")] Message[] Messages,
        [property: JsonPropertyName("add_generation_prompt")] bool AddGenerationPrompt,
        [property: JsonPropertyName("bos_token")] string BosToken,
        [property: JsonPropertyName("eos_token")] string EosToken);

    private sealed record Response(
        [property: JsonPropertyName("text")] string? Text,
        [property: JsonPropertyName("error")] string? Error);
}
