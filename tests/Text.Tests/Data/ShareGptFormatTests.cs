using FineTune.Text.Data;

namespace FineTune.Text.Tests.Data;

public sealed class ShareGptFormatTests
{
    [Fact]
    public void Read_GlaiveStyleToolTurns_BecomeAssistantCallsAndToolResults()
    {
        string content = """
            [
              {
                "conversations": [
                  {"from": "human", "value": "Find a recipe with rice."},
                  {"from": "function_call", "value": "{\"name\": \"search_recipes\", \"arguments\": {\"ingredients\": [\"rice\"]}}"},
                  {"from": "observation", "value": "{\"recipes\": [\"fried rice\"]}"},
                  {"from": "gpt", "value": "Try fried rice."}
                ],
                "system": "You are a cook.",
                "tools": "[{\"name\": \"search_recipes\"}]"
              }
            ]
            """;

        DatasetReadResult result = DatasetText.Read(content);

        TrainingExample example = Assert.Single(result.Examples);
        Assert.Equal(DatasetFormat.ShareGpt, example.Format);
        Assert.Equal(
            [
                new ChatMessage(ChatRole.System, "You are a cook."),
                new ChatMessage(ChatRole.User, "Find a recipe with rice."),
                new ChatMessage(ChatRole.Assistant, string.Empty) { ToolCalls = """[{"name":"search_recipes","arguments":{"ingredients":["rice"]}}]""" },
                new ChatMessage(ChatRole.Tool, """{"recipes": ["fried rice"]}"""),
                new ChatMessage(ChatRole.Assistant, "Try fried rice."),
            ],
            example.Messages);
        Assert.Equal("""[{"name":"search_recipes"}]""", example.Tools);
        Assert.Equal(2, example.Line);
    }

    [Fact]
    public void Read_EmptyToolsAndRoleContentTurns_AreAccepted()
    {
        string content = """
            {"conversations": [{"role": "system", "content": "S"}, {"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}], "tools": "[]"}
            """;

        DatasetReadResult result = DatasetText.Read(content);

        TrainingExample example = Assert.Single(result.Examples);
        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant], example.Messages.Select(message => message.Role));
        Assert.Null(example.Tools);
    }

    [Theory]
    [InlineData("{\"conversations\": \"hi\"}", "conversations", "field 'conversations' must be a non-empty array of turns, found a string")]
    [InlineData("{\"conversations\": [{\"from\": \"human\", \"value\": \"q\"}, {\"from\": \"robot\", \"value\": \"a\"}]}", "conversations[1].from", "unknown role 'robot' in 'conversations[1].from'; expected one of human, user, gpt, assistant, system, function_call, tool_call, observation, tool, function")]
    [InlineData("{\"conversations\": [{\"from\": \"human\", \"value\": \"q\"}, {\"from\": \"gpt\"}]}", "conversations[1].value", "missing required field 'conversations[1].value'")]
    [InlineData("{\"conversations\": [{\"from\": \"human\", \"value\": \"q\"}, {\"from\": \"function_call\", \"value\": \"search(rice)\"}]}", "conversations[1].value", "field 'conversations[1].value' is a function call, but its value is not JSON: 's' is an invalid start of a value")]
    [InlineData("{\"conversations\": [{\"from\": \"human\", \"value\": \"q\"}, {\"from\": \"observation\", \"value\": \"r\"}]}", "conversations", "the conversation in 'conversations' has no assistant turn, so there is nothing to train on")]
    [InlineData("{\"conversations\": [{\"from\": \"human\", \"value\": \"q\"}, {\"from\": \"gpt\", \"value\": \"a\"}], \"system\": 3}", "system", "field 'system' must be a string, found a number")]
    public void Read_BadConversation_ReportsFieldAndReason(string record, string field, string message)
    {
        string content = DatasetText.Lines(
            "{\"conversations\": [{\"from\": \"human\", \"value\": \"q\"}, {\"from\": \"gpt\", \"value\": \"a\"}]}",
            string.Empty,
            record);

        DatasetReadResult result = DatasetText.Read(content);

        Assert.Equal(new DatasetError(3, 1, field, message), DatasetText.SingleError(result));
    }
}
