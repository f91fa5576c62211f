using System.Text.Json;
using FineTune.Persistence;
using FineTune.Persistence.Tenancy;
using FineTune.Testing;

namespace FineTune.Cli.Tests;

/// <summary><c>keys list</c> shows a tenant's keys without secrets; <c>keys revoke</c> ends one by ID or token prefix.</summary>
public class KeysListRevokeTests
{
    private static string Connection()
    {
        string connection = Environment.GetEnvironmentVariable("FINETUNE_TEST_PG") ?? "";
        Assert.False(connection.Length == 0, "FINETUNE_TEST_PG is not set: run the tests through ./test.sh, which starts Postgres");
        return connection;
    }

    private static async Task<bool> WorksAsync(string connection, string token)
    {
        await using var dataSource = FineTuneDataSource.Create(connection);
        await using var context = FineTuneDbContext.Create(dataSource);
        return await new TenantStore(context).AuthenticateAsync(token, CancellationToken.None) is not null;
    }

    [Fact]
    public async Task RevokeByPrefix_EndsThatKeyOnly_AndListShowsItRevokedWithoutAnySecret()
    {
        string connection = Connection();
        string tenant = "keys-" + Guid.NewGuid().ToString("N");
        string leaked = CliRun.Invoke("keys", "create", "--tenant", tenant, "--name", "laptop", "--connection", connection).Output.Trim();
        string kept = CliRun.Invoke("keys", "create", "--tenant", tenant, "--name", "ci", "--connection", connection).Output.Trim();

        CliRun revoke = CliRun.Invoke("keys", "revoke", leaked[..ApiKeyToken.VisiblePrefixLength], "--tenant", tenant, "--connection", connection);
        CliRun list = CliRun.Invoke("keys", "list", "--tenant", tenant, "--json", "--connection", connection);
        CliRun table = CliRun.Invoke("keys", "list", "--tenant", tenant, "--connection", connection);

        Assert.True(revoke.ExitCode == 0, revoke.Error);
        Assert.Contains("revoked", revoke.Output, StringComparison.Ordinal);
        Assert.False(await WorksAsync(connection, leaked));
        Assert.True(await WorksAsync(connection, kept));
        Assert.True(list.ExitCode == 0, list.Error);
        using JsonDocument keys = JsonDocument.Parse(list.Output);
        var byName = keys.RootElement.EnumerateArray().ToDictionary(k => k.GetProperty("name").GetString()!);
        Assert.Equal(2, byName.Count);
        Assert.Equal(leaked[..ApiKeyToken.VisiblePrefixLength], byName["laptop"].GetProperty("prefix").GetString());
        Assert.NotEqual(JsonValueKind.Null, byName["laptop"].GetProperty("revoked_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, byName["ci"].GetProperty("revoked_at").ValueKind);
        foreach (string output in new[] { list.Output, table.Output, revoke.Output })
        {
            Assert.DoesNotContain(leaked, output, StringComparison.Ordinal);
            Assert.DoesNotContain(kept, output, StringComparison.Ordinal);
        }
        Assert.Contains("laptop", table.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokeByWholeTokenOrId_Works_AndNeverEchoesTheToken()
    {
        string connection = Connection();
        string tenant = "keys-" + Guid.NewGuid().ToString("N");
        string first = CliRun.Invoke("keys", "create", "--tenant", tenant, "--connection", connection).Output.Trim();
        string second = CliRun.Invoke("keys", "create", "--tenant", tenant, "--connection", connection).Output.Trim();
        using JsonDocument listed = JsonDocument.Parse(CliRun.Invoke("keys", "list", "--tenant", tenant, "--json", "--connection", connection).Output);
        string secondId = listed.RootElement.EnumerateArray()
            .Single(k => k.GetProperty("prefix").GetString() == second[..ApiKeyToken.VisiblePrefixLength]).GetProperty("id").GetString()!;

        CliRun byToken = CliRun.Invoke("keys", "revoke", first, "--tenant", tenant, "--connection", connection);
        CliRun byId = CliRun.Invoke("keys", "revoke", secondId, "--tenant", tenant, "--connection", connection);
        CliRun again = CliRun.Invoke("keys", "revoke", first, "--tenant", tenant, "--connection", connection);

        Assert.True(byToken.ExitCode == 0, byToken.Error);
        Assert.True(byId.ExitCode == 0, byId.Error);
        Assert.False(await WorksAsync(connection, first));
        Assert.False(await WorksAsync(connection, second));
        Assert.Equal(1, again.ExitCode);
        Assert.Single(again.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("no unrevoked key", again.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(first, again.Error + byToken.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("list")]
    [InlineData("revoke")]
    public async Task DatabaseWithoutTables_IsOneLineNamingTheTenantAndTheFix(string verb)
    {
        // A database nothing has migrated (before this, the answer was Postgres's "42P01: relation "tenant" does not
        // exist", and UnknownTenant_* below failed whenever it ran before any test that migrates the shared database).
        // Dropped when the test ends, pass or fail; its FORCE ends any session the command left, so no pool needs
        // clearing (that would reach other tests' pools).
        await using ScratchDatabase empty = await ScratchDatabase.CreateAsync("keys_empty_", Connection());
        string[] args = verb == "list"
            ? ["keys", "list", "--tenant", "acme", "--connection", empty.ConnectionString]
            : ["keys", "revoke", "ft_abcdefg", "--tenant", "acme", "--connection", empty.ConnectionString];

        CliRun run = CliRun.Invoke(args);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("error: --tenant: no tenant is called 'acme': this database has no FineTune tables yet", run.Error, StringComparison.Ordinal);
        Assert.Contains("finetune migrate", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("list")]
    [InlineData("revoke")]
    public void UnknownTenant_IsOneLineNamingTheOption(string verb)
    {
        string[] args = verb == "list"
            ? ["keys", "list", "--tenant", "nobody-" + Guid.NewGuid().ToString("N"), "--connection", Connection()]
            : ["keys", "revoke", "ft_abcdefg", "--tenant", "nobody-" + Guid.NewGuid().ToString("N"), "--connection", Connection()];

        CliRun run = CliRun.Invoke(args);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("error: --tenant: no tenant is called", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
