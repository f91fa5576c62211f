namespace FineTune.HuggingFace;

/// <summary>
/// The final answer to a hub request after any redirects, with the hub's metadata headers taken from whichever hop
/// carried them: for LFS files the hub sends them on its redirect, and the storage host's answer lacks them.
/// </summary>
internal sealed class HubResponse : IDisposable
{
    /// <summary>Wraps <paramref name="message"/>, which this object now owns.</summary>
    public HubResponse(HttpResponseMessage message, string? linkedEtag, long? linkedSize)
    {
        Message = message;
        LinkedEtag = linkedEtag;
        LinkedSize = linkedSize;
    }

    /// <summary>Gets the final response.</summary>
    public HttpResponseMessage Message { get; }

    /// <summary>Gets the final status code.</summary>
    public int StatusCode => (int)Message.StatusCode;

    /// <summary>Gets <c>X-Linked-Etag</c> without quotes: for an LFS file, the SHA-256 of its content.</summary>
    public string? LinkedEtag { get; }

    /// <summary>Gets <c>X-Linked-Size</c>: for an LFS file, its size in bytes.</summary>
    public long? LinkedSize { get; }

    /// <summary>Gets the hub's <c>X-Error-Code</c>: RepoNotFound, RevisionNotFound, EntryNotFound or GatedRepo.</summary>
    public string? ErrorCode => Header(Message, "X-Error-Code");

    /// <summary>Returns the first value of a response header, or null.</summary>
    public static string? Header(HttpResponseMessage message, string name) =>
        message.Headers.TryGetValues(name, out IEnumerable<string>? values) ? values.FirstOrDefault() : null;

    /// <inheritdoc />
    public void Dispose() => Message.Dispose();
}
