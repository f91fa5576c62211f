using System.CommandLine;
using FineTune.Persistence;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Migrations;
using FineTune.Persistence.Tenancy;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune keys create --tenant NAME [--name KEY] [--admin] [--connection CS] [--data-dir DIR] [--db-port N]</c>:
/// issues a new API key for a tenant (created on first use), or with <c>--admin</c> an operator's key for the Hangfire
/// dashboard, and prints it once; only its hash is stored. With <c>--data-dir</c> it uses the cluster
/// <c>serve --data-dir</c> runs, so the key works on that server. <c>keys list --tenant NAME</c> shows a tenant's keys
/// (IDs, labels, visible prefixes, never a secret); <c>keys revoke --tenant NAME KEY</c> revokes one by ID or prefix.
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
        Option<string?> connection = LocalPostgres.ConnectionOption();
        Option<string?> dataDir = LocalPostgres.DataDirOption();
        Option<int?> port = LocalPostgres.PortOption();
        var create = new Command("create", "Create an API key for a tenant and print it") { tenant, keyName, admin, connection, dataDir, port };
        create.SetAction(async (parseResult, cancellationToken) =>
        {
            bool isAdmin = parseResult.GetValue(admin);
            string? tenantName = parseResult.GetValue(tenant) ?? (isAdmin ? OperatorsTenant : null);
            if (tenantName is null)
            {
                await Console.Error.WriteLineAsync("keys create: --tenant NAME is required (or --admin for an operator's key)");
                return 2;
            }
            string connectionString = LocalPostgres.ConnectionString(parseResult.GetValue(connection), parseResult.GetValue(dataDir), parseResult.GetValue(port));
            await using NpgsqlDataSource dataSource = FineTuneDataSource.Create(connectionString);
            await new DatabaseMigrator(dataSource).MigrateAsync(cancellationToken);
            IssuedApiKey key = await IssueAsync(dataSource, tenantName, parseResult.GetValue(keyName)!, cancellationToken, isAdmin);
            output.WriteLine(key.Token);
            return 0;
        });
        return new Command("keys", "Manage API keys") { create, KeysListCommand.Create(output), KeysRevokeCommand.Create(output) };
    }

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
