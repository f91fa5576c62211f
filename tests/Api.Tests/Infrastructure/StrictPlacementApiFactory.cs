using Microsoft.AspNetCore.Hosting;

namespace FineTune.Api.Tests.Infrastructure;

/// <summary>The API host of <see cref="ApiFactory"/> with <c>ApiOptions:StrictPlacement</c> on.</summary>
public sealed class StrictPlacementApiFactory : ApiFactory
{
    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("ApiOptions:StrictPlacement", "true");
    }
}
