using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FineTune.HuggingFace;

/// <summary>Chooses which listed files to download: include globs, path safety, and shards a weight index names.</summary>
internal static class HubFilePatterns
{
    /// <summary>The file that maps every tensor of a sharded checkpoint to its shard.</summary>
    public const string WeightIndexFile = "model.safetensors.index.json";

    /// <summary>Returns the files matching any pattern, in listing order.</summary>
    public static List<HubFileInfo> Select(IEnumerable<HubFileInfo> files, IReadOnlyList<string> patterns)
    {
        Regex[] compiled = patterns.Select(ToRegex).ToArray();
        return files.Where(file => compiled.Any(regex => regex.IsMatch(file.Path))).ToList();
    }

    /// <summary>
    /// Drops root-level safetensors that the weight index does not name. Some repositories ship a consolidated copy
    /// beside the shards; downloading it would double the download for weights the loader never reads.
    /// </summary>
    public static List<HubFileInfo> DropUnindexedShards(List<HubFileInfo> selected, string indexPath)
    {
        using JsonDocument index = JsonDocument.Parse(File.ReadAllBytes(indexPath));
        if (!index.RootElement.TryGetProperty("weight_map", out JsonElement weightMap)
            || weightMap.ValueKind != JsonValueKind.Object)
        {
            return selected;
        }

        var shards = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty entry in weightMap.EnumerateObject())
        {
            if (entry.Value.ValueKind == JsonValueKind.String)
            {
                shards.Add(entry.Value.GetString()!);
            }
        }

        return selected
            .Where(file => !IsRootSafetensors(file.Path) || shards.Contains(file.Path))
            .ToList();
    }

    /// <summary>
    /// Returns whether a listed path is a plain relative path: no rooted, backslashed, empty, '.' or '..' segments,
    /// so a hostile listing cannot write outside the snapshot folder.
    /// </summary>
    public static bool IsSafeRelativePath(string path)
    {
        if (string.IsNullOrEmpty(path) || path.Contains('\\', StringComparison.Ordinal)
            || path.Contains(':', StringComparison.Ordinal) || path.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        foreach (string segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsRootSafetensors(string path) =>
        !path.Contains('/', StringComparison.Ordinal) && path.EndsWith(".safetensors", StringComparison.Ordinal);

    private static Regex ToRegex(string pattern)
    {
        var builder = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                // "**/" also matches no folder at all, so "**/*.json" covers root files too.
                bool slashFollows = i + 2 < pattern.Length && pattern[i + 2] == '/';
                builder.Append(slashFollows ? "(?:.*/)?" : ".*");
                i += slashFollows ? 2 : 1;
            }
            else if (c == '*')
            {
                builder.Append("[^/]*");
            }
            else if (c == '?')
            {
                builder.Append("[^/]");
            }
            else
            {
                builder.Append(Regex.Escape(c.ToString()));
            }
        }

        return new Regex(builder.Append('$').ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
