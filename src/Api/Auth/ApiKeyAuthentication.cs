namespace FineTune.Api.Auth;

/// <summary>Names shared by the API-key scheme, the endpoints and the SignalR hub.</summary>
public static class ApiKeyAuthentication
{
    /// <summary>The authentication scheme: <c>Authorization: Bearer ft_...</c>.</summary>
    public const string SchemeName = "ApiKey";

    /// <summary>The claim holding the caller's tenant ID (a GUID string); every tenant-scoped query reads it.</summary>
    public const string TenantIdClaim = "tenant_id";

    /// <summary>The claim holding the ID (not the secret) of the key that authenticated the request.</summary>
    public const string ApiKeyIdClaim = "api_key_id";

    /// <summary>The role of an operator's key (<c>finetune keys create --admin</c>): the Hangfire dashboard requires it.</summary>
    public const string AdminRole = "admin";

    /// <summary>Where the Hangfire dashboard is served; a browser may send the key there as HTTP Basic's password.</summary>
    public const string DashboardPath = "/hangfire";

    /// <summary>The query parameter SignalR clients use for the key, since browsers cannot set headers on WebSockets.</summary>
    public const string AccessTokenQueryParameter = "access_token";

    /// <summary>Only paths under this prefix may carry the key in <see cref="AccessTokenQueryParameter"/>.</summary>
    public const string HubsPathPrefix = "/hubs";

    /// <summary>The authorization policy of operator pages (<c>/metrics</c>): an admin key; a tenant key gets 403.</summary>
    public const string AdminPolicy = "admin";
}
