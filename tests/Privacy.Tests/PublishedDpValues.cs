using System.Globalization;
using System.Text.Json.Nodes;
using FineTune.Testing;

namespace FineTune.Privacy.Tests;

/// <summary>
/// Loads the published accountant values (Opacus and TensorFlow Privacy test suites) from
/// <c>&lt;repo&gt;/../shared/reference/dp_published.json</c> (<see cref="RepoPaths.Reference"/>).
/// </summary>
internal static class PublishedDpValues
{
    public const string OpacusAccountantTests = "opacus/tests/accountants_test.py";

    private static readonly Lazy<IReadOnlyList<PublishedCase>> s_cases = new(Load);

    public static IReadOnlyList<PublishedCase> Cases => s_cases.Value;

    public static PublishedCase Single(string file, string descriptionPrefix) =>
        Cases.Single(c => c.File == file && c.Description.StartsWith(descriptionPrefix, StringComparison.Ordinal));

    public static TheoryData<int> Indices(Func<PublishedCase, bool> predicate)
    {
        var data = new TheoryData<int>();
        foreach (PublishedCase published in Cases.Where(predicate))
        {
            data.Add(published.Index);
        }

        return data;
    }

    /// <summary>Parses the JSON's order lists: "[1.25, 1.5] + range(5, 64) + [128]" in Python syntax.</summary>
    public static double[] ParseOrders(string expression)
    {
        var orders = new List<double>();
        foreach (string part in expression.Split('+', StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("range(", StringComparison.Ordinal))
            {
                string[] bounds = part["range(".Length..^1].Split(',', StringSplitOptions.TrimEntries);
                int start = int.Parse(bounds[0], CultureInfo.InvariantCulture);
                int stop = int.Parse(bounds[1], CultureInfo.InvariantCulture);
                orders.AddRange(Enumerable.Range(start, stop - start).Select(order => (double)order));
            }
            else
            {
                orders.AddRange(part.Trim('[', ']').Split(',', StringSplitOptions.TrimEntries)
                    .Select(value => double.Parse(value, CultureInfo.InvariantCulture)));
            }
        }

        return [.. orders];
    }

    /// <summary>unittest's assertAlmostEqual: round(actual - expected, places) == 0.</summary>
    public static void AssertAlmostEqual(double expected, double actual, int places)
    {
        double difference = actual - expected;
        Assert.True(
            Math.Round(difference, places, MidpointRounding.ToEven) == 0.0,
            $"Expected {expected:R} to {places} places but got {actual:R} (difference {difference:E3}).");
    }

    private static IReadOnlyList<PublishedCase> Load()
    {
        string path = RepoPaths.Reference("dp_published.json");
        JsonArray cases = JsonNode.Parse(File.ReadAllText(path))!["cases"]!.AsArray();
        return [.. cases.Select((node, index) => new PublishedCase(
            index,
            node!["source"]!.GetValue<string>(),
            node["file"]!.GetValue<string>(),
            node["description"]!.GetValue<string>(),
            node["inputs"]!.AsObject(),
            node["published"]!))];
    }
}
