using FineTune.Api.Auth;
using Hangfire.Dashboard;
using Microsoft.Net.Http.Headers;

namespace FineTune.Api.Dashboard;

/// <summary>
/// Lets only operators' keys (<c>finetune keys create --admin</c>) into the Hangfire dashboard: it shows every
/// tenant's jobs and can delete or requeue them. No key answers 401 (with a Basic challenge, so a browser asks for the
/// key as a password), a tenant's key 403; Hangfire's middleware picks the status from whether the caller is
/// authenticated.
/// </summary>
internal sealed class AdminKeyDashboardAuthorization : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        HttpContext http = context.GetHttpContext();
        if (http.User.Identity?.IsAuthenticated != true)
        {
            http.Response.Headers.Append(HeaderNames.WWWAuthenticate, "Basic realm=\"FineTune operators\", charset=\"UTF-8\"");
            return false;
        }
        return http.User.IsInRole(ApiKeyAuthentication.AdminRole);
    }
}
