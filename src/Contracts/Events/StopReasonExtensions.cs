using System.Text.Json;

namespace FineTune.Contracts.Events;

/// <summary>The wire name of a <see cref="StopReason"/> for text outside JSON (a CLI line, a log).</summary>
public static class StopReasonExtensions
{
    /// <summary>
    /// The name result.json carries (<c>max_steps</c>, <c>cancelled</c>, <c>privacy_budget</c>): read from the members'
    /// <c>JsonStringEnumMemberName</c>, so the names are written down once.
    /// </summary>
    public static string ToWireName(this StopReason reason)
    {
        return JsonSerializer.SerializeToElement(reason).GetString()!;
    }

    /// <summary>Whether a run that stopped this way reached its planned end (it is not resumed).</summary>
    public static bool IsCompleted(this StopReason reason)
    {
        return reason is StopReason.MaxSteps or StopReason.PrivacyBudget;
    }
}
