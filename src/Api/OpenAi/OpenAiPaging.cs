namespace FineTune.Api.OpenAi;

/// <summary>Cursor pages of the OpenAI-compatible routes: <c>after</c> (an id), <c>limit</c>, <c>has_more</c>.</summary>
internal static class OpenAiPaging
{
    /// <summary>The page size (20 unless given), or null when <paramref name="limit"/> is out of 1..max.</summary>
    public static int? Limit(int? limit, int max, int defaultLimit = 20)
    {
        int take = limit ?? Math.Min(defaultLimit, max);
        return take >= 1 && take <= max ? take : null;
    }

    public static OpenAiError BadLimit(int max) => OpenAiError.BadRequest($"limit must be between 1 and {max}", "limit", "invalid_value");

    public static OpenAiList<T> Page<T>(IReadOnlyList<T> items, bool hasMore, Func<T, string> id)
    {
        return new OpenAiList<T>(items, hasMore, items.Count > 0 ? id(items[0]) : null, items.Count > 0 ? id(items[^1]) : null);
    }
}
