using System.Text.Json;

namespace FineTune.Text.Data;

/// <summary>
/// Decides a record's format from its keys. A format's marker keys win over everything else (extra keys such as an
/// <c>id</c> are fine); a lone <c>text</c> key is text. Tabular is guessed only for CSV rows, whose columns are flat
/// by nature: a JSON record whose keys match no format is refused with its keys and the formats' keys, since it
/// usually means misspelled keys (<c>question</c>/<c>answer</c>), and training on it as tabular would succeed silently
/// on the wrong text. <c>format: tabular</c> chooses tabular for JSON explicitly. Nested values with no marker keys are
/// refused too.
/// </summary>
internal static class FormatDetector
{
    private const string Expected = "messages needs 'messages', sharegpt 'conversations', alpaca 'instruction' and "
        + "'output', prompt_completion 'prompt' and 'completion', text a lone 'text'";

    /// <summary>The record's format, or null with the reason in <paramref name="problem"/>.</summary>
    /// <param name="record">A JSON object.</param>
    /// <param name="tabularAllowed">Whether a flat record with no marker keys is tabular (CSV) or refused (JSON).</param>
    /// <param name="problem">Why no format was detected.</param>
    public static DatasetFormat? Detect(JsonElement record, bool tabularAllowed, out string? problem)
    {
        problem = null;
        bool isMessages = Has(record, "messages");
        bool isShareGpt = Has(record, "conversations");
        bool isAlpaca = Has(record, "instruction") && Has(record, "output");
        bool isPromptCompletion = Has(record, "prompt") && Has(record, "completion");
        (bool Matches, DatasetFormat Format)[] candidates =
        [
            (isMessages, DatasetFormat.Messages),
            (isShareGpt, DatasetFormat.ShareGpt),
            (isAlpaca, DatasetFormat.Alpaca),
            (isPromptCompletion, DatasetFormat.PromptCompletion),
        ];
        int matchCount = candidates.Count(candidate => candidate.Matches);
        if (matchCount == 1)
        {
            return candidates.First(candidate => candidate.Matches).Format;
        }

        if (matchCount == 0 && JsonFields.IsFlat(record, out _))
        {
            using JsonElement.ObjectEnumerator properties = record.EnumerateObject();
            if (!properties.MoveNext())
            {
                problem = "the record has no fields, so its format cannot be detected";
                return null;
            }

            bool onlyText = properties.Current.NameEquals("text") && !properties.MoveNext();
            if (onlyText || tabularAllowed)
            {
                return onlyText ? DatasetFormat.Text : DatasetFormat.Tabular;
            }
        }

        string keys = string.Join(", ", record.EnumerateObject().Select(property => property.Name));
        string accepted = $"name the format explicitly ({string.Join(", ", DatasetFormats.Names)})";
        if (matchCount > 1)
        {
            IEnumerable<string> matched = candidates
                .Where(candidate => candidate.Matches)
                .Select(candidate => DatasetFormats.ToName(candidate.Format));
            problem = $"the record's fields ({keys}) match more than one format ({string.Join(", ", matched)}); {accepted}";
            return null;
        }

        var hints = new List<string>();
        AddPairHint(hints, record, "instruction", "output", "alpaca");
        AddPairHint(hints, record, "prompt", "completion", "prompt_completion");
        if (!JsonFields.IsFlat(record, out string? nested))
        {
            string kind = JsonFields.KindName(record.GetProperty(nested!).ValueKind);
            hints.Add($"'{nested}' holds {kind}, so it is not a flat tabular row");
            problem = $"cannot detect the format from the record's fields ({keys}): {string.Join("; ", hints)}; {accepted}";
            return null;
        }

        hints.Add(Expected);
        problem = $"the record's fields ({keys}) match no known format: {string.Join("; ", hints)}; rename the fields, "
            + "or set format to tabular to train on each whole record as one line of JSON text";
        return null;
    }

    private static bool Has(JsonElement record, string key) => record.TryGetProperty(key, out _);

    private static void AddPairHint(List<string> hints, JsonElement record, string first, string second, string format)
    {
        if (Has(record, first) != Has(record, second))
        {
            (string present, string missing) = Has(record, first) ? (first, second) : (second, first);
            hints.Add($"it has '{present}' but no '{missing}' ({format} needs both)");
        }
    }
}
