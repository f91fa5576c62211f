namespace FineTune.HuggingFace;

/// <summary>Why a hub operation failed, so callers can choose an exit code or a retry without parsing messages.</summary>
public enum HubErrorKind
{
    /// <summary>The hub answered in a way this client does not understand (bad JSON, unsafe path, odd status).</summary>
    InvalidResponse,

    /// <summary>The repository is private or gated and the request carried no token, or one without access (401/403).</summary>
    AccessDenied,

    /// <summary>The repository, revision or file does not exist (404).</summary>
    NotFound,

    /// <summary>A downloaded file's size or hash differs from what the hub listed; the bad copy was deleted.</summary>
    IntegrityMismatch,

    /// <summary>The network or the hub kept failing (connection errors, stalls, 429 or 5xx) after every retry.</summary>
    Transfer,

    /// <summary>Offline mode was asked for, and the cache lacks the revision, its listing or one of its files.</summary>
    NotCached,
}
