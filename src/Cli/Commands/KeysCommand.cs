using System.CommandLine;
using FineTune.Contracts.Hosting;
using FineTune.Persistence;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Migrations;
using FineTune.Persistence.Tenancy;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune keys create --tenant NAME [--name KEY] [--admin] [--connection CS]</c>: issues a new API key for a tenant
/// (created on first use), or with <c>--admin</c> an operator's key for the Hangfire dashboard, and prints it once; only
/// its hash is stored.
/// </summary>
internal static class KeysCommand
{
    /// <summary>The tenant operators' keys belong to unless <c>--tenant</c> names another.</summary>
    internal const string OperatorsTenant = "operators";

    public static Command Create(TextWriter output)
    {
        var tenant = new Option<string?>("--tenant") { Description = "Tenant name (created if new); with --admin, default 'operators'" };
        var admin = new Option<bool>("--admin") { Description = "An operator's key: opens the Hangfire dashboard at /hangfire (never give it to a tenant)" };
        var keyName = new Option<string>("--name") { Description = "A label for the key", DefaultValueFactory = _ => "cli" };
        var connection = new Option<string?>("--connection") { Description = "Npgsql connection string (default: FINETUNE_DB, else the local Postgres)" };
        var create = new Command("create", "Create an API key for a tenant and print it") { tenant, keyName, admin, connection };
        create.SetAction(async (parseResult, cancellationToken) =>
        {
            bool isAdmin = parseResult.GetValue(admin);
            string? tenantName = parseResult.GetValue(tenant) ?? (isAdmin ? OperatorsTenant : null);
            if (tenantName is null)
            {
                await Console.Error.WriteLineAsync("keys create: --tenant NAME is required (or --admin for an operator's key)");
                return 2;
            }
            await using NpgsqlDataSource dataSource = FineTuneDataSource.Create(ConnectionString(parseResult.GetValue(connection)));
            await new DatabaseMigrator(dataSource).MigrateAsync(cancellationToken);
            IssuedApiKey key = await IssueAsync(dataSource, tenantName, parseResult.GetValue(keyName)!, cancellationToken, isAdmin);
            output.WriteLine(key.Token);
            return 0;
        });
        return new Command("keys", "Manage API keys") { create };
    }

    /// <summary>The connection string: the option, else <c>FINETUNE_DB</c>, else the repository's local Postgres.</summary>
    internal static string ConnectionString(string? option) =>
        option ?? FineTuneEnvironment.Database ?? MigrateCommand.StartLocalPostgres();

    /// <summary>Issues a key for the named tenant, creating the tenant when it does not exist yet.</summary>
    internal static async Task<IssuedApiKey> IssueAsync(NpgsqlDataSource dataSource, string tenantName, string keyName, CancellationToken cancellationToken, bool admin = false)
    {
        await using FineTuneDbContext context = FineTuneDbContext.Create(dataSource);
        var store = new TenantStore(context);
        Tenant tenant = await context.Tenants.FirstOrDefaultAsync(t => t.Name == tenantName, cancellationToken)
            ?? await store.CreateTenantAsync(tenantName, cancellationToken);
        return await store.IssueApiKeyAsync(tenant.Id, keyName, admin, cancellationToken);
    }
}
