using Microsoft.AspNetCore.Hosting;

namespace FineTune.Api.Tests.Infrastructure;

/// <summary>The API host of <see cref="ApiFactory"/> with small line and upload limits, cheap to pass in a test.</summary>
public sealed class LimitsApiFactory : ApiFactory
{
    /// <summary>The longest line these tests' host accepts.</summary>
    public const int MaxLineBytes = 4096;

    /// <summary>How many uploads one tenant may have in flight on this host.</summary>
    public const int MaxConcurrentUploads = 2;

    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("ApiOptions:MaxLineBytes", MaxLineBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("ApiOptions:MaxConcurrentUploadsPerTenant", MaxConcurrentUploads.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
