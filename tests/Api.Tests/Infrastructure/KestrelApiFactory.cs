using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Api.Tests.Infrastructure;

/// <summary>
/// The host of <see cref="ApiFactory"/> on a real Kestrel socket at 127.0.0.1 (a free port), so slow clients are real
/// TCP connections, and with room for <see cref="MaxConcurrentUploads"/> uploads in flight per tenant (200, so every
/// upload of the slow-client test reaches staging).
/// </summary>
public class KestrelApiFactory : ApiFactory
{
    /// <summary>How many uploads one tenant may have in flight on this host.</summary>
    public virtual int MaxConcurrentUploads => 200;

    /// <summary>Where the host listens.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("ApiOptions:MaxConcurrentUploadsPerTenant", MaxConcurrentUploads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("ApiOptions:RateLimitBurst", "1000");
    }

    /// <inheritdoc />
    protected override void StartHost()
    {
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
        IServerAddressesFeature addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
            ?? throw new InvalidOperationException("Kestrel reported no addresses");
        BaseAddress = new Uri(addresses.Addresses.Single());
    }

    /// <inheritdoc />
    protected override HttpClient NewClient()
    {
        // One handler per client: each trickling upload is its own TCP connection, as separate clients' are.
        return new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
    }
}
