using System.Diagnostics.CodeAnalysis;
using FineTune.Api.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTune.Api.Endpoints;

/// <summary>
/// Cursor pagination as in OpenAI's API: <c>?after=&lt;id&gt;&amp;limit=n</c> returns up to n items that come after
/// that ID in the list's order, and <c>has_more</c> says whether to ask again. Handlers fetch one extra row to know.
/// </summary>
internal static class Paging
{
    public const int DefaultLimit = 20;

    public const int MaxLimit = 100;

    /// <summary>The page size to use, or a 400 problem naming <c>limit</c> when it is out of range.</summary>
    public static bool TryGetLimit(int? limit, out int take, [NotNullWhen(false)] out ValidationProblem? problem, int defaultLimit = DefaultLimit, int maxLimit = MaxLimit)
    {
        take = limit ?? defaultLimit;
        if (take is < 1 || take > maxLimit)
        {
            problem = ApiProblems.BadRequest("limit", $"must be between 1 and {maxLimit}");
            return false;
        }
        problem = null;
        return true;
    }
}
