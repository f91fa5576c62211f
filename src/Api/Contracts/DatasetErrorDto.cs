namespace FineTune.Api.Contracts;

/// <summary>One problem in a rejected upload (an entry of the 422 problem's <c>errors</c>).</summary>
/// <param name="Line">The 1-based line where the bad record starts; null for a problem with the whole file.</param>
/// <param name="Record">The 0-based index of the record among the file's records, when one is to blame.</param>
/// <param name="Field">The offending field's path, e.g. <c>messages[1].role</c>, when one is.</param>
/// <param name="Message">What is wrong, in words a dataset author can act on.</param>
public sealed record DatasetErrorDto(int? Line, int? Record, string? Field, string Message);
