using System.CommandLine;
using FineTune.Persistence;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Tenancy;
using Npgsql;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune keys revoke --tenant NAME KEY</c>: revokes one of a tenant's keys, named by its ID or by the visible
/// prefix of its token (what a user who leaked a key can read off it; <c>keys list</c> shows both). A prefix must match
/// exactly one unrevoked key. Running servers trust a key they authenticated for <c>ApiOptions:ApiKeyCacheTtl</c>
/// (5 s by default), so it stops working everywhere within that time.
/// </summary>
internal static class KeysRevokeCommand
{
    public static Command Create(TextWriter output)
    {
        var tenant = new Option<string>("--tenant") { Description = "Tenant name", Required = true };
        var key = new Argument<string>("key") { Description = "The key's ID or the first characters of its token (e.g. ft_AbC123)" };
        Option<string?> connection = LocalPostgres.ConnectionOption();
        Option<string?> dataDir = LocalPostgres.DataDirOption();
        Option<int?> port = LocalPostgres.PortOption();
        var revoke = new Command("revoke", "Revoke an API key by ID or token prefix") { key, tenant, connection, dataDir, port };
        revoke.SetAction(async (parseResult, cancellationToken) =>
        {
            string connectionString = LocalPostgres.ConnectionString(parseResult.GetValue(connection), parseResult.GetValue(dataDir), parseResult.GetValue(port));
            await using NpgsqlDataSource dataSource = FineTuneDataSource.Create(connectionString);
            await using FineTuneDbContext context = FineTuneDbContext.Create(dataSource);
            Tenant owner = await KeysListCommand.FindTenantAsync(context, parseResult.GetValue(tenant)!, cancellationToken);
            var store = new TenantStore(context);
            ApiKey chosen = Choose(await store.ListApiKeysAsync(owner.Id, cancellationToken), parseResult.GetValue(key)!, owner.Name);
            if (!await store.RevokeApiKeyAsync(owner.Id, chosen.Id, cancellationToken))
            {
                throw new InvalidOperationException($"key {chosen.Id} was revoked meanwhile");
            }
            output.WriteLine($"revoked {chosen.Id} ({chosen.KeyPrefix}…, '{chosen.Name}'); servers stop accepting it within their key cache TTL (ApiOptions:ApiKeyCacheTtl, 5 s by default)");
            return 0;
        });
        return revoke;
    }

    /// <summary>The one unrevoked key <paramref name="reference"/> names (ID or token prefix), or an error that says why not.</summary>
    internal static ApiKey Choose(IReadOnlyList<ApiKey> keys, string reference, string tenant)
    {
        List<ApiKey> live = keys.Where(k => k.RevokedAt is null).ToList();
        if (Guid.TryParse(reference, out Guid id))
        {
            return live.SingleOrDefault(k => k.Id == id)
                ?? throw new ArgumentException($"key: tenant '{tenant}' has no unrevoked key {id}");
        }
        // A token is longer than its stored prefix: compare on the shorter of the two, so a whole token also works.
        List<ApiKey> matches = live.Where(k => reference.Length >= 4 && (reference.StartsWith(k.KeyPrefix, StringComparison.Ordinal) || k.KeyPrefix.StartsWith(reference, StringComparison.Ordinal))).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new ArgumentException($"key: tenant '{tenant}' has no unrevoked key whose ID is or whose token starts with '{Shown(reference)}' (see finetune keys list)"),
            _ => throw new ArgumentException($"key: '{Shown(reference)}' matches {matches.Count} keys of tenant '{tenant}'; give the ID (see finetune keys list)"),
        };
    }

    // A whole token may be pasted: never echo more of it than the stored prefix.
    private static string Shown(string reference) =>
        reference.Length <= ApiKeyToken.VisiblePrefixLength ? reference : reference[..ApiKeyToken.VisiblePrefixLength] + "…";
}
