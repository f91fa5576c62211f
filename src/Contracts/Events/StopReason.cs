using System.Text.Json.Serialization;

namespace FineTune.Contracts.Events;

/// <summary>
/// Why a training run stopped. On the wire (result.json, the <c>completed</c> event, <c>finetune train --json</c>) it
/// is the lower-case name each member carries, so clients written against those strings keep working.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<StopReason>))]
public enum StopReason
{
    /// <summary>The run took every planned step.</summary>
    [JsonStringEnumMemberName("max_steps")]
    MaxSteps,

    /// <summary>The run was stopped early (a user's cancel or pause, or a worker shutting down); it can resume.</summary>
    [JsonStringEnumMemberName("cancelled")]
    Cancelled,

    /// <summary>A DP run spent its target epsilon before its planned end.</summary>
    [JsonStringEnumMemberName("privacy_budget")]
    PrivacyBudget,
}
