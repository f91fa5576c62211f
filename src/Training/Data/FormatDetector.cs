using System.Text.Json;

namespace FineTune.Training.Data;

/// <summary>
/// Decides a record's format from its keys. A format's marker keys win over everything else (extra keys such as an
/// <c>id</c> are fine); a lone <c>text</c> key is text; any other flat object is tabular. Nested values with no marker
/// keys are refused rather than guessed, since they usually mean a misspelled or unsupported format.
/// </summary>
internal static class FormatDetector
{
    public static DatasetFormat? Detect(JsonElement record, out string? problem)
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
            return onlyText ? DatasetFormat.Text : DatasetFormat.Tabular;
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

        JsonFields.IsFlat(record, out string? nested);
        var hints = new List<string>();
        AddPairHint(hints, record, "instruction", "output", "alpaca");
        AddPairHint(hints, record, "prompt", "completion", "prompt_completion");
        string kind = JsonFields.KindName(record.GetProperty(nested!).ValueKind);
        hints.Add($"'{nested}' holds {kind}, so it is not a flat tabular row");
        problem = $"cannot detect the format from the record's fields ({keys}): {string.Join("; ", hints)}; {accepted}";
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
