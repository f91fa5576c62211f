namespace FineTune.Api.Contracts;

/// <summary>The answer to a delete: which object is gone.</summary>
/// <param name="Id">The deleted object's ID.</param>
/// <param name="Object">Its type, e.g. <c>dataset</c>.</param>
/// <param name="Deleted">Always true (a failed delete is an error response instead).</param>
public sealed record DeletedDto(Guid Id, string Object, bool Deleted);
