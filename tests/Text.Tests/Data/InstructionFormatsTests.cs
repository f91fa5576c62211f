using FineTune.Text.Data;

namespace FineTune.Text.Tests.Data;

public sealed class InstructionFormatsTests
{
    [Fact]
    public void Read_AlpacaWithInput_JoinsInstructionAndInputWithABlankLine()
    {
        DatasetReadResult result = DatasetText.Read("""[{"instruction": "Sum.", "input": "1 2", "output": "3"}]""");

        Assert.Equal(
            [new ChatMessage(ChatRole.User, "Sum.\n\n1 2"), new ChatMessage(ChatRole.Assistant, "3")],
            Assert.Single(result.Examples).Messages);
    }

    [Fact]
    public void Read_AlpacaWithSystemAndHistory_PutsHistoryBeforeTheInstruction()
    {
        string content = """
            {"instruction": "And 2+2?", "input": "", "output": "4", "system": "Math tutor.", "history": [["1+1?", "2"]]}
            """;

        DatasetReadResult result = DatasetText.Read(content);

        Assert.Equal(
            [
                new ChatMessage(ChatRole.System, "Math tutor."),
                new ChatMessage(ChatRole.User, "1+1?"),
                new ChatMessage(ChatRole.Assistant, "2"),
                new ChatMessage(ChatRole.User, "And 2+2?"),
                new ChatMessage(ChatRole.Assistant, "4"),
            ],
            Assert.Single(result.Examples).Messages);
    }

    [Theory]
    [InlineData("{\"instruction\": \"a\", \"output\": \"\"}", "output", "field 'output' is empty")]
    [InlineData("{\"instruction\": \" \", \"output\": \"b\"}", "instruction", "field 'instruction' is empty")]
    [InlineData("{\"instruction\": \"a\", \"output\": 42}", "output", "field 'output' must be a string, found a number")]
    [InlineData("{\"instruction\": \"a\", \"input\": [1], \"output\": \"b\"}", "input", "field 'input' must be a string, found an array")]
    [InlineData("{\"instruction\": \"a\", \"output\": \"b\", \"history\": [[\"q\"]]}", "history[0]", "'history[0]' must be an [instruction, response] pair, found an array of 1")]
    [InlineData("{\"instruction\": \"a\", \"output\": \"b\", \"history\": \"q\"}", "history", "field 'history' must be an array of [instruction, response] pairs, found a string")]
    [InlineData("{\"instruction\": \"a\", \"output\": \"b\", \"history\": [[\"q\", null]]}", "history[0][1]", "field 'history[0][1]' must be a string, found null")]
    [InlineData("{\"output\": \"b\"}", "instruction", "missing required field 'instruction'")]
    public void Read_BadAlpacaRecord_ReportsFieldAndReason(string record, string field, string message)
    {
        string content = DatasetText.Lines("{\"instruction\": \"a\", \"output\": \"b\"}", record);

        DatasetReadResult result = DatasetText.Read(content);

        Assert.Equal(new DatasetError(2, 1, field, message), DatasetText.SingleError(result));
    }

    [Fact]
    public void Read_PromptCompletion_CompletionIsTheAssistantTurn()
    {
        string content = DatasetText.Lines(
            "{\"prompt\": \"Capital of France?\", \"completion\": \" Paris\"}",
            "{\"prompt\": \"\", \"completion\": \"Once upon a time\"}");

        DatasetReadResult result = DatasetText.Read(content);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal(
            [new ChatMessage(ChatRole.User, "Capital of France?"), new ChatMessage(ChatRole.Assistant, " Paris")],
            result.Examples[0].Messages);
        Assert.Equal(string.Empty, result.Examples[1].Messages[0].Content);
        Assert.All(result.Examples, example => Assert.Equal(DatasetFormat.PromptCompletion, example.Format));
    }

    [Fact]
    public void Read_ConversationalPromptCompletion_ConcatenatesTheMessages()
    {
        string content = """
            {"prompt": [{"role": "system", "content": "S"}, {"role": "user", "content": "Q"}], "completion": [{"role": "assistant", "content": "A"}]}
            """;

        DatasetReadResult result = DatasetText.Read(content);

        Assert.Equal(
            [ChatRole.System, ChatRole.User, ChatRole.Assistant],
            Assert.Single(result.Examples).Messages.Select(message => message.Role));
    }

    [Theory]
    [InlineData("{\"prompt\": \"q\", \"completion\": \"\"}", "completion", "field 'completion' is empty")]
    [InlineData("{\"prompt\": 1, \"completion\": \"a\"}", "prompt", "field 'prompt' must be a string, found a number")]
    [InlineData("{\"prompt\": \"q\", \"completion\": [{\"role\": \"user\", \"content\": \"a\"}]}", "completion", "the conversation in 'completion' has no assistant turn, so there is nothing to train on")]
    public void Read_BadPromptCompletion_ReportsFieldAndReason(string record, string field, string message)
    {
        string content = DatasetText.Lines("{\"prompt\": \"q\", \"completion\": \"a\"}", record);

        DatasetReadResult result = DatasetText.Read(content);

        Assert.Equal(new DatasetError(2, 1, field, message), DatasetText.SingleError(result));
    }

    [Fact]
    public void Read_TextRecords_KeepTheTextVerbatim()
    {
        string content = DatasetText.Lines(
            "{\"text\": \"<|im_start|>user\\nhi<|im_end|>\\n<|im_start|>assistant\\nhello<|im_end|>\"}",
            "{\"text\": \"\"}");

        DatasetReadResult result = DatasetText.Read(content);

        TrainingExample example = Assert.Single(result.Examples);
        Assert.True(example.IsText);
        Assert.Empty(example.Messages);
        Assert.Equal("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nhello<|im_end|>", example.Text);
        Assert.Equal(new DatasetError(2, 1, "text", "field 'text' is empty"), DatasetText.SingleError(result));
    }
}
