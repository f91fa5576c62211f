using System.CommandLine;
using System.Globalization;
using FineTune.Persistence;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Tenancy;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune keys list --tenant NAME [--json]</c>: a tenant's API keys, newest first — ID, label, the visible prefix a
/// user can match against the token they hold, admin flag, created, last used (to the minute) and revoked. No secret
/// is stored, so none can be shown.
/// </summary>
internal static class KeysListCommand
{
    public static Command Create(TextWriter output)
    {
        var tenant = new Option<string>("--tenant") { Description = "Tenant name", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the keys as JSON" };
        Option<string?> connection = LocalPostgres.ConnectionOption();
        Option<string?> dataDir = LocalPostgres.DataDirOption();
        Option<int?> port = LocalPostgres.PortOption();
        var list = new Command("list", "List a tenant's API keys (IDs and prefixes, never the secret)") { tenant, json, connection, dataDir, port };
        list.SetAction(async (parseResult, cancellationToken) =>
        {
            string connectionString = LocalPostgres.ConnectionString(parseResult.GetValue(connection), parseResult.GetValue(dataDir), parseResult.GetValue(port));
            await using NpgsqlDataSource dataSource = FineTuneDataSource.Create(connectionString);
            await using FineTuneDbContext context = FineTuneDbContext.Create(dataSource);
            Tenant owner = await FindTenantAsync(context, parseResult.GetValue(tenant)!, cancellationToken);
            IReadOnlyList<ApiKey> keys = await new TenantStore(context).ListApiKeysAsync(owner.Id, cancellationToken);
            if (parseResult.GetValue(json))
            {
                output.WriteLine(System.Text.Json.JsonSerializer.Serialize(keys.Select(k => new
                {
                    k.Id,
                    k.Name,
                    Prefix = k.KeyPrefix,
                    Admin = k.IsAdmin,
                    k.CreatedAt,
                    k.LastUsedAt,
                    k.RevokedAt,
                }), CliJson.Options));
                return 0;
            }
            output.WriteLine($"{"ID",-36}  {"NAME",-16}  {"PREFIX",-10}  {"ADMIN",-5}  {"CREATED",-20}  {"LAST USED",-20}  REVOKED");
            foreach (ApiKey key in keys)
            {
                output.WriteLine($"{key.Id,-36}  {key.Name,-16}  {key.KeyPrefix,-10}  {(key.IsAdmin ? "yes" : "no"),-5}  {Time(key.CreatedAt),-20}  {Time(key.LastUsedAt),-20}  {Time(key.RevokedAt)}");
            }
            return 0;
        });
        return list;
    }

    /// <summary>
    /// The tenant called <paramref name="name"/>, or an error naming it (the CLI prints one line). A database without
    /// FineTune's tables has no tenants: that is said as such rather than as Postgres's "relation does not exist"
    /// (<c>keys create</c>, <c>migrate</c> and <c>serve</c> create the tables; listing and revoking do not write them).
    /// </summary>
    internal static async Task<Tenant> FindTenantAsync(FineTuneDbContext context, string name, CancellationToken cancellationToken)
    {
        string missing = $"--tenant: no tenant is called '{name}'";
        try
        {
            return await context.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.Name == name, cancellationToken)
                ?? throw new ArgumentException(missing);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            throw new ArgumentException($"{missing}: this database has no FineTune tables yet (finetune migrate creates them)", exception);
        }
    }

    private static string Time(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";
}
