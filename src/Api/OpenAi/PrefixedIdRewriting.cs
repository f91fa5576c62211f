using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace FineTune.Api.OpenAi;

/// <summary>
/// Lets the native routes take OpenAI's prefixed ids: a path segment or an <c>after</c> cursor like
/// <c>ftjob-0193…</c> or <c>file-0193…</c> under <c>/v1/jobs</c> or <c>/v1/datasets</c> is rewritten to the UUID it
/// carries before routing, so <c>/v1/jobs/{jobId:guid}</c> matches it. The OpenAI routes parse both forms themselves.
/// </summary>
public static class PrefixedIdRewriting
{
    /// <summary>Adds the rewrite; it must run before routing.</summary>
    public static IApplicationBuilder UsePrefixedIdRewriting(this IApplicationBuilder app)
    {
        return app.Use(static (context, next) =>
        {
            HttpRequest request = context.Request;
            if (request.Path.StartsWithSegments("/v1/jobs", StringComparison.OrdinalIgnoreCase)
                || request.Path.StartsWithSegments("/v1/datasets", StringComparison.OrdinalIgnoreCase))
            {
                string[] segments = request.Path.Value!.Split('/');
                bool changed = false;
                for (int i = 0; i < segments.Length; i++)
                {
                    if (OpenAiIds.FromAnyPrefix(segments[i]) is Guid id)
                    {
                        segments[i] = id.ToString();
                        changed = true;
                    }
                }
                if (changed)
                {
                    request.Path = new PathString(string.Join('/', segments));
                }
                if (request.Query.TryGetValue("after", out var after) && after.Count == 1 && OpenAiIds.FromAnyPrefix(after[0]!) is Guid cursor)
                {
                    Dictionary<string, StringValues> query = QueryHelpers.ParseQuery(request.QueryString.Value);
                    query["after"] = cursor.ToString();
                    request.QueryString = new QueryBuilder(query.SelectMany(pair => pair.Value.Select(value => KeyValuePair.Create(pair.Key, value ?? "")))).ToQueryString();
                }
            }
            return next(context);
        });
    }
}
