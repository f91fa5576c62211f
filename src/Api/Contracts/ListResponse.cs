using System.Text.Json.Serialization;

namespace FineTune.Api.Contracts;

/// <summary>A page of a list, as OpenAI's API returns one: <c>{object: "list", data, has_more}</c>.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Data">The items of this page, in the list's order.</param>
/// <param name="HasMore">Whether more items follow; ask again with <c>after</c> set to the last item's ID.</param>
public sealed record ListResponse<T>(IReadOnlyList<T> Data, bool HasMore)
{
    /// <summary>Always <c>list</c>.</summary>
    [JsonPropertyOrder(-1)]
    public string Object => "list";
}
