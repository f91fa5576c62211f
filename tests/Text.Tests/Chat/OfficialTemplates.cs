using System.Text.Json;

namespace FineTune.Text.Tests.Chat;

/// <summary>
/// Official Hugging Face chat templates, verbatim: the ones shipped in the shared tokenizer assets, plus the Llama 2
/// and Mistral ones (no asset carries them) copied from their model repositories' tokenizer_config.json.
/// </summary>
internal static class OfficialTemplates
{
    /// <summary>meta-llama/Llama-2-7b-chat-hf.</summary>
    public const string Llama2Chat =
        "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
        + "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
        + "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
        + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
        + "{% if loop.index0 == 0 and system_message != false %}"
        + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
        + "{% else %}{% set content = message['content'] %}{% endif %}"
        + "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
        + "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}"
        + "{% endfor %}";

    /// <summary>mistralai/Mixtral-8x7B-Instruct-v0.1 (and Mistral-7B-Instruct-v0.2 as first released).</summary>
    public const string MistralInstruct =
        "{{ bos_token }}{% for message in messages %}"
        + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
        + "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
        + "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
        + "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    /// <summary>Qwen3's template (thinking-aware ChatML), from the qwen3 tokenizer asset.</summary>
    public static string Qwen3 => FromAsset("tokenizers/qwen3");

    /// <summary>Plain ChatML, from the mistral tokenizer asset (Minueza-32M-UltraChat, a ChatML fine-tune).</summary>
    public static string PlainChatML => FromAsset("tokenizers/mistral");

    /// <summary>Meta-Llama-3-8B-Instruct's first release, from the llama3 asset: it always adds the prompt.</summary>
    public static string Llama3FirstRelease => FromAsset("tokenizers/llama3");

    /// <summary>
    /// Meta-Llama-3-8B-Instruct's corrected release: the first one with the generation prompt under
    /// <c>add_generation_prompt</c>, which is the only change Meta made.
    /// </summary>
    public static string Llama3
    {
        get
        {
            const string prompt = "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}";
            string first = Llama3FirstRelease;
            Assert.EndsWith(prompt, first, StringComparison.Ordinal);
            return first[..^prompt.Length] + "{% if add_generation_prompt %}" + prompt + "{% endif %}";
        }
    }

    private static string FromAsset(string tokenizerPath)
    {
        string path = Path.Combine(ChatTestAssets.AssetPath(tokenizerPath), "tokenizer_config.json");
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(path));
        return config.RootElement.GetProperty("chat_template").GetString()
            ?? throw new InvalidDataException($"{path} has no chat_template.");
    }
}
