using System.Security.Claims;
using System.Text.Encodings.Web;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Tenancy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace FineTune.Api.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer ft_...</c> against the stored key hashes (<see cref="TenantStore"/>) and
/// names the caller's tenant in the <see cref="ApiKeyAuthentication.TenantIdClaim"/> claim. Under
/// <c>/hubs/</c> only, the key may come as the <c>access_token</c> query parameter, which SignalR uses for WebSockets;
/// elsewhere a key in a URL would end up in access logs. Keys are never logged: failure messages say only what kind
/// of problem there was. A challenge or a refusal answers with <c>application/problem+json</c>. A key that
/// authenticated is trusted for <see cref="ApiOptions.ApiKeyCacheTtl"/> without another lookup (<see cref="ApiKeyCache"/>).
/// </summary>
/// <param name="options">The scheme options.</param>
/// <param name="logger">The logger factory.</param>
/// <param name="encoder">The URL encoder.</param>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";
    private const string BasicPrefix = "Basic ";

    /// <inheritdoc />
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? token = ReadToken();
        if (token is null)
        {
            return AuthenticateResult.NoResult();
        }
        ApiKeyCache cache = Context.RequestServices.GetRequiredService<ApiKeyCache>();
        ApiKey? key = cache.Find(token);
        if (key is null)
        {
            TenantStore tenants = Context.RequestServices.GetRequiredService<TenantStore>();
            key = await tenants.AuthenticateAsync(token, Context.RequestAborted);
            if (key is null)
            {
                return AuthenticateResult.Fail("unknown or revoked API key");
            }
            cache.Remember(token, key);
        }
        List<Claim> claims =
        [
            new(ApiKeyAuthentication.TenantIdClaim, key.TenantId.ToString()),
            new(ApiKeyAuthentication.ApiKeyIdClaim, key.Id.ToString()),
            new(ClaimTypes.Name, key.KeyPrefix),
        ];
        if (key.IsAdmin)
        {
            claims.Add(new Claim(ClaimTypes.Role, ApiKeyAuthentication.AdminRole));
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        AuthenticateResult? result = await HandleAuthenticateOnceSafeAsync();
        bool badKey = result?.Failure is not null;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.Append(HeaderNames.WWWAuthenticate, badKey ? "Bearer error=\"invalid_token\"" : "Bearer");
        await WriteProblemAsync(
            StatusCodes.Status401Unauthorized,
            badKey
                ? "The API key is unknown or revoked."
                : "Send an API key as 'Authorization: Bearer ft_...'; create one with 'finetune keys create'.");
    }

    /// <inheritdoc />
    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await WriteProblemAsync(StatusCodes.Status403Forbidden, "The API key may not use this route.");
    }

    private string? ReadToken()
    {
        string authorization = Request.Headers.Authorization.ToString();
        if (authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            string token = authorization[BearerPrefix.Length..].Trim();
            return token.Length == 0 ? null : token;
        }
        if (authorization.StartsWith(BasicPrefix, StringComparison.OrdinalIgnoreCase)
            && Request.Path.StartsWithSegments(ApiKeyAuthentication.DashboardPath, StringComparison.OrdinalIgnoreCase))
        {
            // A browser on the dashboard asks for a user and a password; the password is the key, the user is ignored.
            return BasicPassword(authorization[BasicPrefix.Length..].Trim());
        }
        if (authorization.Length == 0 && Request.Path.StartsWithSegments(ApiKeyAuthentication.HubsPathPrefix, StringComparison.OrdinalIgnoreCase))
        {
            string token = Request.Query[ApiKeyAuthentication.AccessTokenQueryParameter].ToString();
            return token.Length == 0 ? null : token;
        }
        return null;
    }

    private static string? BasicPassword(string encoded)
    {
        try
        {
            string decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            int colon = decoded.IndexOf(':', StringComparison.Ordinal);
            string password = colon < 0 ? decoded : decoded[(colon + 1)..];
            return password.Length == 0 ? null : password;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private async Task WriteProblemAsync(int status, string detail)
    {
        var problem = new ProblemDetails { Status = status, Detail = detail };
        IProblemDetailsService problems = Context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = Context, ProblemDetails = problem });
    }
}
