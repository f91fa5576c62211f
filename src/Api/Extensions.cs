using System.Text.Json;
using FineTune.Api.Auth;
using FineTune.Api.Dashboard;
using FineTune.Api.Datasets;
using FineTune.Api.Endpoints;
using FineTune.Api.Hubs;
using FineTune.Api.Limits;
using FineTune.Api.Models;
using FineTune.Api.OpenAi;
using FineTune.Api.OpenApi;
using FineTune.Api.Privacy;
using FineTune.Api.Problems;
using FineTune.Api.Submission;
using FineTune.Api.Telemetry;
using FineTune.Persistence;
using Hangfire;
using Microsoft.AspNetCore.Authentication;

namespace FineTune.Api;

/// <summary>All service registration of the API host, in one place (eShop's shape), and its middleware order.</summary>
public static class Extensions
{
    /// <summary>
    /// Registers Persistence, API-key authentication, JSON in snake_case, problem details for every error, the API's
    /// services, the jobs hub and Swagger.
    /// </summary>
    public static IHostApplicationBuilder AddApi(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        builder.AddPersistence();
        // What MapHangfireDashboard looks for; the storage, filters and client registered by AddPersistence stay in use
        // (AddHangfire only adds what is missing), and nothing here uses Hangfire's static JobStorage.Current.
        services.AddHangfire(_ => { });
        builder.AddApiTelemetry();
        // Hosting's request lines print whole URLs, and SignalR clients send the API key as ?access_token= under
        // /hubs/; raising this category keeps keys out of the logs.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        AddFrameworkRequestLogFilter(builder);
        services.Configure<ApiOptions>(builder.Configuration.GetSection(nameof(ApiOptions)));
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        });
        // Asked before the default writer: the OpenAI-compatible routes answer errors in OpenAI's shape.
        services.AddSingleton<IProblemDetailsWriter, OpenAiProblemWriter>();
        services.AddApiProblemDetails();
        services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthentication.SchemeName, configureOptions: null);
        services.AddAuthorization(options =>
            options.AddPolicy(ApiKeyAuthentication.AdminPolicy, policy => policy.RequireRole(ApiKeyAuthentication.AdminRole)));
        services.AddSingleton<ApiKeyCache>();
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<DatasetPreviewer>();
        services.AddScoped<DatasetUploader>();
        services.AddSingleton<UploadSlots>();
        services.AddSingleton<StartupGate>();
        services.AddApiRateLimiting();
        services.AddRequestSizeLimits();
        services.AddScoped<JobSubmitter>();
        services.AddSingleton<JobPlacement>();
        services.AddApiDocumentation();
        builder.AddJobsHub();
        return builder;
    }

    /// <summary>The logging category of ASP.NET Core's per-request framework lines.</summary>
    public const string FrameworkLogCategory = "Microsoft.AspNetCore";

    /// <summary>
    /// ASP.NET Core writes four Information lines per request (endpoint executing and executed, status code, result
    /// type): under bench service's 100 submits a second the console logger was ~10% of the API's CPU, and its queue
    /// lock a hot spot. They are Warning unless <c>Logging:LogLevel:Microsoft.AspNetCore</c> is configured, which then
    /// decides (an operator who wants them back sets it to Information). Our own categories stay at Information.
    /// </summary>
    private static void AddFrameworkRequestLogFilter(IHostApplicationBuilder builder)
    {
        if (builder.Configuration[$"Logging:LogLevel:{FrameworkLogCategory}"] is null)
        {
            builder.Logging.AddFilter(FrameworkLogCategory, LogLevel.Warning);
        }
    }

    /// <summary>
    /// The middleware, in order: exceptions and bodiless error statuses become problem+json (a Kestrel
    /// <see cref="BadHttpRequestException"/>, e.g. a body over the server limit, keeps its own status; a database
    /// outage is 503 with Retry-After), a request line or headers over the limits are 414/431, then authentication,
    /// the per-tenant rate limiter, authorization and the Swagger document and UI.
    /// </summary>
    public static WebApplication UseApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception switch
            {
                BadHttpRequestException badRequest => badRequest.StatusCode,
                _ when DatabaseOutage.Is(exception) => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
            // A value that does not bind is the client's mistake, answered with a 400 naming it: not an error to log.
            SuppressDiagnosticsCallback = context => context.Exception is BadHttpRequestException,
        });
        app.UseStatusCodePages();
        app.UseRequestSizeLimits();
        // Native routes take OpenAI's prefixed ids (ftjob-..., file-...) too: rewritten before routing matches them.
        app.UsePrefixedIdRewriting();
        app.UseDashboardSite();
        app.UseRouting();
        app.UseAuthentication();
        // After authentication, so each tenant has its own bucket.
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseApiDocumentation();
        return app;
    }

    /// <summary>
    /// Maps every route: health, the authenticated <c>/v1</c> group, the jobs hub and the operators' Hangfire
    /// dashboard at <c>/hangfire</c>. Shared by the API host and
    /// <c>finetune serve</c>, which runs the same app with an in-process worker.
    /// </summary>
    public static WebApplication MapApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthEndpoints();
        app.MapMetrics();
        RouteGroupBuilder v1 = app.MapGroup("/v1").RequireAuthorization();
        v1.MapDatasetsEndpoints();
        v1.MapDatasetPreviewEndpoints();
        v1.MapModelsEndpoints();
        v1.MapBackendsEndpoints();
        v1.MapJobsEndpoints();
        v1.MapJobEventsEndpoints();
        v1.MapJobArtifactsEndpoints();
        v1.MapWorkersEndpoints();
        v1.MapPrivacyEndpoints();
        v1.MapOpenAiFilesEndpoints();
        v1.MapOpenAiJobsEndpoints();
        v1.MapOpenAiEventsEndpoints();
        app.MapJobsHub();
        // Operators only: every tenant's jobs are on it (AdminKeyDashboardAuthorization).
        app.MapHangfireDashboard(ApiKeyAuthentication.DashboardPath, new DashboardOptions
        {
            Authorization = [new AdminKeyDashboardAuthorization()],
            DashboardTitle = "FineTune jobs (Hangfire)",
            // Hangfire's own job arguments are job IDs only; the dashboard never shows specs, data or keys.
            DisplayStorageConnectionString = false,
        }, app.Services.GetRequiredService<JobStorage>());
        return app;
    }
}
