using FineTune.Text.Data;

namespace FineTune.Text.Tests.Data;

public sealed class MessagesFormatTests
{
    [Fact]
    public void Read_OpenAiChat_NormalizesRolesAndContent()
    {
        string content = """
            {"messages": [{"role": "developer", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "Hi "}, {"type": "text", "text": "there"}], "name": "ann"}, {"role": "assistant", "content": "Hello."}]}
            """;

        DatasetReadResult result = DatasetText.Read(content);

        TrainingExample example = Assert.Single(result.Examples);
        Assert.Equal(DatasetFormat.Messages, example.Format);
        Assert.False(example.IsText);
        Assert.Equal(
            [
                new ChatMessage(ChatRole.System, "Be brief."),
                new ChatMessage(ChatRole.User, "Hi there") { Name = "ann" },
                new ChatMessage(ChatRole.Assistant, "Hello."),
            ],
            example.Messages);
        Assert.Equal("user", example.Messages[1].RoleName);
    }

    [Fact]
    public void Read_ToolCalls_NormalizeToNameAndArguments()
    {
        string content = """
            {"messages": [{"role": "user", "content": "Weather in Oslo?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Oslo\"}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "-3C"}, {"role": "assistant", "content": "It is -3C."}], "tools": [{"type": "function", "function": {"name": "weather"}}]}
            """;

        DatasetReadResult result = DatasetText.Read(content);

        TrainingExample example = Assert.Single(result.Examples);
        Assert.Equal(new ChatMessage(ChatRole.Assistant, string.Empty) { ToolCalls = """[{"id":"c1","name":"weather","arguments":{"city":"Oslo"}}]""" }, example.Messages[1]);
        Assert.Equal(new ChatMessage(ChatRole.Tool, "-3C") { ToolCallId = "c1" }, example.Messages[2]);
        Assert.Equal("""[{"type":"function","function":{"name":"weather"}}]""", example.Tools);
    }

    [Theory]
    [InlineData("{\"messages\": {\"role\": \"user\"}}", "messages", "field 'messages' must be an array of messages, found an object")]
    [InlineData("{\"messages\": []}", "messages", "field 'messages' is empty")]
    [InlineData("{\"messages\": [\"hi\"]}", "messages[0]", "message 'messages[0]' must be an object, found a string")]
    [InlineData("{\"messages\": [{\"content\": \"hi\"}]}", "messages[0].role", "missing required field 'messages[0].role'")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"bot\", \"content\": \"yo\"}]}", "messages[1].role", "unknown role 'bot' in 'messages[1].role'; expected one of system, developer, user, assistant, tool, function")]
    [InlineData("{\"messages\": [{\"role\": \"user\"}, {\"role\": \"assistant\", \"content\": \"yo\"}]}", "messages[0].content", "missing required field 'messages[0].content'")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": 5}, {\"role\": \"assistant\", \"content\": \"yo\"}]}", "messages[0].content", "field 'messages[0].content' must be a string or an array of text parts, found a number")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \" \"}]}", "messages[1].content", "field 'messages[1].content' is empty, and an assistant turn is what the model learns")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}, {\"role\": \"assistant\", \"content\": \"yo\"}]}", "messages[0].content[0]", "content part 'messages[0].content[0]' has type 'image_url'; only text parts are supported")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\", \"tool_calls\": []}, {\"role\": \"assistant\", \"content\": \"yo\"}]}", "messages[0].tool_calls", "'messages[0]' is a user turn, and only assistant turns can call tools")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"tool_calls\": [{\"function\": {\"arguments\": \"{}\"}}]}]}", "messages[1].tool_calls[0]", "tool call 'messages[1].tool_calls[0]' has no function name")]
    [InlineData("{\"messages\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"hi\"}]}", "messages", "the conversation in 'messages' has no assistant turn, so there is nothing to train on")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"yo\"}], \"tools\": \"oops\"}", "tools", "field 'tools' is a string but not JSON: 'o' is an invalid start of a value")]
    public void Read_BadMessage_ReportsFieldAndReason(string record, string field, string message)
    {
        string content = DatasetText.Lines(
            "{\"messages\": [{\"role\": \"user\", \"content\": \"ok\"}, {\"role\": \"assistant\", \"content\": \"ok\"}]}",
            record);

        DatasetReadResult result = DatasetText.Read(content);

        Assert.Equal(new DatasetError(2, 1, field, message), DatasetText.SingleError(result));
        Assert.Equal(1, result.ExampleCount);
    }
}
