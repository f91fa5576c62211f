using System.Text.Json;

namespace FineTune.Cli.Tests;

public class DoctorCommandTests
{
    [Fact]
    public void Doctor_Json_ReportsLibtorchDotnetCudaAndPostgres()
    {
        CliRun run = CliRun.Invoke("doctor", "--json");

        using JsonDocument report = JsonDocument.Parse(run.Output);
        JsonElement root = report.RootElement;
        JsonElement libtorch = root.GetProperty("libtorch");
        Assert.True(libtorch.GetProperty("loaded").GetBoolean(), run.Output);
        Assert.Matches(@"^\d+\.\d+\.\d+", libtorch.GetProperty("version").GetString());
        Assert.True(libtorch.GetProperty("threads").GetInt32() >= 1);
        Assert.StartsWith(".NET", root.GetProperty("dotnet_version").GetString());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("cuda_devices").ValueKind);
        Assert.Equal(JsonValueKind.True, root.GetProperty("postgresql").GetProperty("installed").ValueKind);
        bool ok = root.GetProperty("ok").GetBoolean();
        Assert.Equal(ok ? 0 : 1, run.ExitCode);
        Assert.Equal(ok, root.GetProperty("problems").GetArrayLength() == 0);
    }

    [Fact]
    public void Doctor_Text_NamesEveryCheck()
    {
        CliRun run = CliRun.Invoke("doctor");

        foreach (string label in new[] { ".NET", "libtorch", "BLAS", "threads", "CUDA", "PostgreSQL" })
        {
            Assert.Contains(label, run.Output);
        }
    }

    [Fact]
    public void UnknownCommand_ExitsNonZeroWithOneReadableLine()
    {
        CliRun run = CliRun.Invoke("frobnicate");

        Assert.Equal(2, run.ExitCode);
        string line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("frobnicate", line);
    }
}

public class MigrateCommandTests
{
    [Fact]
    public void Migrate_TestDatabase_IsUpToDateAndRepeatable()
    {
        string? connection = Environment.GetEnvironmentVariable("FINETUNE_TEST_PG");
        Assert.False(string.IsNullOrEmpty(connection), "FINETUNE_TEST_PG is not set: run the tests through ./test.sh, which starts Postgres");

        CliRun first = CliRun.Invoke("migrate", "--connection", connection!);
        CliRun second = CliRun.Invoke("migrate", "--connection", connection!);

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("0 migration(s) applied now", second.Output);
    }

    [Fact]
    public void Migrate_UnreachableDatabase_IsOneReadableError()
    {
        CliRun run = CliRun.Invoke("migrate", "--connection", "Host=127.0.0.1;Port=1;Username=x;Database=y;Timeout=3");

        Assert.Equal(1, run.ExitCode);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}

public class KeysCommandTests
{
    [Fact]
    public async Task KeysCreate_TwiceForOneTenant_GivesTwoWorkingKeysOfTheSameTenant()
    {
        string connection = Environment.GetEnvironmentVariable("FINETUNE_TEST_PG") ?? "";
        Assert.False(connection.Length == 0, "FINETUNE_TEST_PG is not set: run the tests through ./test.sh, which starts Postgres");
        string tenant = "cli-" + Guid.NewGuid().ToString("N");

        CliRun first = CliRun.Invoke("keys", "create", "--tenant", tenant, "--connection", connection);
        CliRun second = CliRun.Invoke("keys", "create", "--tenant", tenant, "--connection", connection);

        Assert.True(first.ExitCode == 0, first.Error);
        string key1 = first.Output.Trim(), key2 = second.Output.Trim();
        Assert.StartsWith("ft_", key1);
        Assert.NotEqual(key1, key2);
        await using var dataSource = FineTune.Persistence.FineTuneDataSource.Create(connection);
        await using var context = FineTune.Persistence.FineTuneDbContext.Create(dataSource);
        var store = new FineTune.Persistence.Tenancy.TenantStore(context);
        var a = await store.AuthenticateAsync(key1, CancellationToken.None);
        var b = await store.AuthenticateAsync(key2, CancellationToken.None);
        Assert.NotNull(a);
        Assert.Equal(a!.TenantId, b!.TenantId);
    }
}
