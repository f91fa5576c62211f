namespace FineTune.Contracts.Hosting;

/// <summary>
/// The one place that reads FineTune's environment variables for the database, the private Postgres and the models
/// folder, so the API, the worker and every CLI command resolve them alike (a command-line option, where there is one,
/// wins over these).
/// </summary>
public static class FineTuneEnvironment
{
    /// <summary>The variable holding the Npgsql connection string of the service's database.</summary>
    public const string DatabaseVariable = "FINETUNE_DB";

    /// <summary>ASP.NET Core's environment form of <c>ConnectionStrings:FineTune</c>, the database's fallback.</summary>
    public const string ConnectionStringVariable = "ConnectionStrings__FineTune";

    /// <summary>The variable naming the folder whose sub-folders are the models jobs may use.</summary>
    public const string ModelsDirVariable = "FINETUNE_MODELS_DIR";

    /// <summary>The variable naming the port of the private Postgres that <c>serve</c>/<c>worker</c> start.</summary>
    public const string DatabasePortVariable = "FINETUNE_DB_PORT";

    /// <summary>The variable naming the service's data folder (the private Postgres cluster, the default key).</summary>
    public const string DataDirVariable = "FINETUNE_DATA_DIR";

    /// <summary>The database's connection string from <c>FINETUNE_DB</c>, else <c>ConnectionStrings__FineTune</c>, else null.</summary>
    public static string? Database =>
        NonEmpty(DatabaseVariable) ?? NonEmpty(ConnectionStringVariable);

    /// <summary>The models folder from <c>FINETUNE_MODELS_DIR</c>, or null when it is not set.</summary>
    public static string? ModelsDir => NonEmpty(ModelsDirVariable);

    /// <summary>The service's data folder from <c>FINETUNE_DATA_DIR</c>, or null when it is not set.</summary>
    public static string? DataDir => NonEmpty(DataDirVariable)?.Trim() is { Length: > 0 } dir ? dir : null;

    /// <summary>
    /// The private Postgres port from <c>FINETUNE_DB_PORT</c>, or null when it is not set. Anything but a TCP port
    /// (1–65535) is an error naming the variable: passed on as is, it would surface as a Postgres start failure.
    /// </summary>
    public static int? DatabasePort
    {
        get
        {
            string? text = NonEmpty(DatabasePortVariable)?.Trim();
            if (string.IsNullOrEmpty(text))
            {
                return null;
            }
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            {
                throw new ArgumentException($"{DatabasePortVariable}: '{text}' is not a TCP port (1-65535)");
            }
            return port;
        }
    }

    private static string? NonEmpty(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null;
}
