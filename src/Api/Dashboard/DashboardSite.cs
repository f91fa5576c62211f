using Microsoft.Extensions.FileProviders;

namespace FineTune.Api.Dashboard;

/// <summary>
/// Serves the web dashboard at <c>/</c> from the DashboardSite folder copied beside the assembly. The pages are public
/// like any sign-in page; every REST call and the hub connection they make carry the user's API key.
/// </summary>
public static class DashboardSite
{
    /// <summary>Adds default-document and static-file middleware for the dashboard, when its folder is present.</summary>
    public static WebApplication UseDashboardSite(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        string root = Path.Combine(AppContext.BaseDirectory, "DashboardSite");
        if (!Directory.Exists(root))
        {
            return app;
        }

        var files = new PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        return app;
    }
}
