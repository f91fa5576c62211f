using System.Diagnostics.CodeAnalysis;

namespace FineTune.Api.OpenAi;

/// <summary>
/// IDs as OpenAI's API spells them: a type prefix and the UUID's 32 hex digits (<c>ftjob-0193…</c>,
/// <c>file-0193…</c>, <c>ftckpt-0193…</c>). Both surfaces accept either form: a prefixed ID or the bare UUID, so an ID
/// read from one surface works on the other. Events have no UUID: <c>ftevent-&lt;job hex&gt;-&lt;seq&gt;</c>.
/// </summary>
public static class OpenAiIds
{
    /// <summary>The prefix of fine-tuning job IDs.</summary>
    public const string Job = "ftjob-";

    /// <summary>The prefix of file (dataset) IDs.</summary>
    public const string File = "file-";

    /// <summary>The prefix of checkpoint IDs.</summary>
    public const string Checkpoint = "ftckpt-";

    /// <summary>The prefix of event IDs.</summary>
    public const string Event = "ftevent-";

    /// <summary>The prefixed form of <paramref name="id"/>.</summary>
    public static string Format(string prefix, Guid id) => prefix + id.ToString("N");

    /// <summary>
    /// Reads <paramref name="text"/> as an ID of the kind <paramref name="prefix"/> names: the prefixed form or a bare
    /// UUID (with or without dashes). Another kind's prefix does not parse.
    /// </summary>
    public static bool TryParse(string? text, string prefix, out Guid id)
    {
        id = Guid.Empty;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        ReadOnlySpan<char> value = text.StartsWith(prefix, StringComparison.Ordinal) ? text.AsSpan(prefix.Length) : text.AsSpan();
        return Guid.TryParseExact(value, "N", out id) || Guid.TryParseExact(value, "D", out id);
    }

    /// <summary>The ID of event <paramref name="seq"/> of job <paramref name="jobId"/>.</summary>
    public static string FormatEvent(Guid jobId, long seq) => $"{Event}{jobId:N}-{seq}";

    /// <summary>The seq of an event ID of job <paramref name="jobId"/> (a bare seq is accepted too).</summary>
    public static bool TryParseEvent(string? text, Guid jobId, [NotNullWhen(true)] out long? seq)
    {
        seq = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        string prefix = $"{Event}{jobId:N}-";
        string digits = text.StartsWith(prefix, StringComparison.Ordinal) ? text[prefix.Length..] : text;
        if (long.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value) && value > 0)
        {
            seq = value;
            return true;
        }
        return false;
    }

    /// <summary>
    /// The UUID of a prefixed ID of any kind (for rewriting native routes, whose parameters are UUIDs); null when
    /// <paramref name="text"/> carries none of the prefixes.
    /// </summary>
    public static Guid? FromAnyPrefix(string text)
    {
        foreach (string prefix in (string[])[Job, File, Checkpoint])
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal) && TryParse(text, prefix, out Guid id))
            {
                return id;
            }
        }
        return null;
    }
}
