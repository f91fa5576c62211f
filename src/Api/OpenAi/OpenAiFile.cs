using FineTune.Persistence.Entities;

namespace FineTune.Api.OpenAi;

/// <summary>OpenAI's <c>file</c> object for a FineTune dataset (a file is validated before it is stored, so it is
/// always <c>processed</c>).</summary>
/// <param name="Id"><c>file-</c> and the dataset's UUID in hex; the bare UUID works too.</param>
/// <param name="Bytes">Size in bytes.</param>
/// <param name="CreatedAt">Unix seconds.</param>
/// <param name="Filename">The uploaded file's name.</param>
/// <param name="Purpose">Always <c>fine-tune</c>.</param>
/// <param name="Format">FineTune: the record format it was validated as (messages, alpaca, ...).</param>
/// <param name="Records">FineTune: the number of records.</param>
public sealed record OpenAiFile(string Id, long Bytes, long CreatedAt, string Filename, string Purpose, string? Format, long? Records)
{
    /// <summary>The only purpose FineTune stores files for.</summary>
    public const string FineTunePurpose = "fine-tune";

    /// <summary>Always <c>file</c>.</summary>
    public string Object => "file";

    /// <summary>Always <c>processed</c>: validation happens while the upload streams in.</summary>
    public string Status => "processed";

    /// <summary>Always null: files do not expire.</summary>
    public long? ExpiresAt => null;

    /// <summary>Always null (no processing errors are kept: a bad file is refused and not stored).</summary>
    public string? StatusDetails => null;

    /// <summary>The OpenAI view of a dataset.</summary>
    public static OpenAiFile From(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new OpenAiFile(
            OpenAiIds.Format(OpenAiIds.File, dataset.Id),
            dataset.SizeBytes,
            dataset.CreatedAt.ToUnixTimeSeconds(),
            dataset.FileName,
            FineTunePurpose,
            dataset.Format,
            dataset.RecordCount);
    }
}

/// <summary>OpenAI's deletion answer.</summary>
/// <param name="Id">The deleted object's ID.</param>
/// <param name="Object">Its object type, e.g. <c>file</c>.</param>
/// <param name="Deleted">Always true.</param>
public sealed record OpenAiDeleted(string Id, string Object, bool Deleted);

/// <summary>A cursor page as OpenAI's API returns one, with <c>first_id</c>/<c>last_id</c> as its list endpoints add.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Data">The items.</param>
/// <param name="HasMore">Whether more follow; ask again with <c>after</c> = the last item's id.</param>
/// <param name="FirstId">The first item's id, or null for an empty page.</param>
/// <param name="LastId">The last item's id, or null for an empty page.</param>
public sealed record OpenAiList<T>(IReadOnlyList<T> Data, bool HasMore, string? FirstId, string? LastId)
{
    /// <summary>Always <c>list</c>.</summary>
    public string Object => "list";
}
