using System.Security.Claims;

namespace FineTune.Api.Auth;

/// <summary>
/// Reads the caller's tenant from an authenticated principal. Every tenant-scoped query (REST handlers and the jobs
/// hub) takes its tenant from here, never from the request.
/// </summary>
public static class TenantPrincipalExtensions
{
    /// <summary>The tenant of an authenticated caller.</summary>
    /// <exception cref="InvalidOperationException">The principal was not authenticated by the API-key scheme: the
    /// route lacks <c>RequireAuthorization()</c>, which is a bug, not a client error.</exception>
    public static Guid TenantId(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.TryGetTenantId(out Guid tenantId)
            ? tenantId
            : throw new InvalidOperationException("the caller has no tenant_id claim; is the route missing RequireAuthorization()?");
    }

    /// <summary>The tenant of the request's authenticated caller (see <see cref="TenantId(ClaimsPrincipal)"/>).</summary>
    public static Guid TenantId(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.User.TenantId();
    }

    /// <summary>The tenant of <paramref name="user"/>, if it was authenticated by the API-key scheme.</summary>
    public static bool TryGetTenantId(this ClaimsPrincipal user, out Guid tenantId)
    {
        ArgumentNullException.ThrowIfNull(user);
        string? value = user.FindFirst(ApiKeyAuthentication.TenantIdClaim)?.Value;
        return Guid.TryParse(value, out tenantId);
    }
}
