namespace FineTune.Api;

/// <summary>All service registration of the API host, in one place (eShop's shape).</summary>
public static class Extensions
{
    /// <summary>Registers the API's services.</summary>
    public static IHostApplicationBuilder AddApi(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddProblemDetails();
        return builder;
    }
}
