using System.Text.Json;
using FineTune.Contracts.Events;

namespace FineTune.Contracts.Tests.Events;

public sealed class StopReasonTests
{
    private static readonly JsonSerializerOptions s_snakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    // The strings result.json, the completed event and `finetune train --json` carried when StopReason was a string:
    // clients match them, so they must not change.
    [Theory]
    [InlineData(StopReason.MaxSteps, "max_steps")]
    [InlineData(StopReason.Cancelled, "cancelled")]
    [InlineData(StopReason.PrivacyBudget, "privacy_budget")]
    public void Json_EachReason_RoundTripsThroughItsLowerCaseString(StopReason reason, string wire)
    {
        string json = JsonSerializer.Serialize(reason);

        Assert.Equal($"\"{wire}\"", json);
        Assert.Equal(reason, JsonSerializer.Deserialize<StopReason>(json));
        Assert.Equal(wire, reason.ToWireName());
    }

    [Fact]
    public void Json_InsideAnObjectWithSnakeCaseNames_IsTheLowerCaseString()
    {
        string json = JsonSerializer.Serialize(new { StopReason = StopReason.PrivacyBudget }, s_snakeCase);

        Assert.Equal("{\"stop_reason\":\"privacy_budget\"}", json);
    }

    [Fact]
    public void Json_AnUnknownString_IsRejected()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<StopReason>("\"finished\""));
    }

    [Theory]
    [InlineData(StopReason.MaxSteps, true)]
    [InlineData(StopReason.PrivacyBudget, true)]
    [InlineData(StopReason.Cancelled, false)]
    public void IsCompleted_OnlyACancelledRunIsUnfinished(StopReason reason, bool completed)
    {
        Assert.Equal(completed, reason.IsCompleted());
    }
}
