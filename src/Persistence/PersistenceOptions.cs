namespace FineTune.Persistence;

/// <summary>Database settings, bound from the configuration section <c>PersistenceOptions</c>.</summary>
public sealed class PersistenceOptions
{
    /// <summary>
    /// The Npgsql connection string. When empty, <c>ConnectionStrings:FineTune</c> is used (environment variable
    /// <c>ConnectionStrings__FineTune</c>; <c>scripts/postgres.sh url</c> prints one for a local cluster).
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply pending migrations when the host starts (default true; <c>finetune migrate</c> does it
    /// explicitly).</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>Hold a LISTEN connection for cancel wake-ups and event fan-out (default true).</summary>
    public bool Listen { get; set; } = true;
}
