namespace FineTune.Contracts.Hosting;

/// <summary>
/// The one place that reads FineTune's environment variables for the database and the models folder, so the API, the
/// worker and every CLI command resolve them alike (a command-line option, where there is one, wins over these).
/// </summary>
public static class FineTuneEnvironment
{
    /// <summary>The variable holding the Npgsql connection string of the service's database.</summary>
    public const string DatabaseVariable = "FINETUNE_DB";

    /// <summary>ASP.NET Core's environment form of <c>ConnectionStrings:FineTune</c>, the database's fallback.</summary>
    public const string ConnectionStringVariable = "ConnectionStrings__FineTune";

    /// <summary>The variable naming the folder whose sub-folders are the models jobs may use.</summary>
    public const string ModelsDirVariable = "FINETUNE_MODELS_DIR";

    /// <summary>The database's connection string from <c>FINETUNE_DB</c>, else <c>ConnectionStrings__FineTune</c>, else null.</summary>
    public static string? Database =>
        NonEmpty(DatabaseVariable) ?? NonEmpty(ConnectionStringVariable);

    /// <summary>The models folder from <c>FINETUNE_MODELS_DIR</c>, or null when it is not set.</summary>
    public static string? ModelsDir => NonEmpty(ModelsDirVariable);

    private static string? NonEmpty(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null;
}
