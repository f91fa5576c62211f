using System.Text.Json;

namespace FineTune.Contracts.Jobs;

/// <summary>
/// Finds a string or property name that JSON allows but .NET cannot read as text: an escaped lone UTF-16 surrogate
/// (<c>"\ud800"</c>). <see cref="JsonElement.GetString"/> throws <see cref="InvalidOperationException"/> on one, so a
/// spec holding one is refused up front, naming where it is, instead of failing somewhere inside the parser.
/// </summary>
public static class JsonTextCheck
{
    /// <summary>The dotted path of the first unreadable string in <paramref name="element"/> (<c>""</c> for the root), or null.</summary>
    public static string? FindUnreadable(JsonElement element, string path = "")
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return Readable(() => element.GetString()) ? null : path;
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    string? name = null;
                    if (!Readable(() => name = property.Name))
                    {
                        return path.Length == 0 ? "(a field name)" : $"{path} (a field name)";
                    }
                    if (FindUnreadable(property.Value, path.Length == 0 ? name! : $"{path}.{name}") is { } inner)
                    {
                        return inner;
                    }
                }
                return null;
            case JsonValueKind.Array:
                int index = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (FindUnreadable(item, $"{path}[{index++}]") is { } inner)
                    {
                        return inner;
                    }
                }
                return null;
            default:
                return null;
        }
    }

    private static bool Readable(Action read)
    {
        try
        {
            read();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
