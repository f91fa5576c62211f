using Microsoft.Extensions.Hosting;

namespace FineTune.Persistence.Migrations;

/// <summary>
/// Migrates the database when the host starts. Registered before the other Persistence services, and hosted services
/// start in order, so nothing touches the queue before the schema exists.
/// </summary>
/// <param name="migrator">The migrator to run.</param>
public sealed class DatabaseMigrationService(DatabaseMigrator migrator) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrator.MigrateAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        return Task.CompletedTask;
    }
}
