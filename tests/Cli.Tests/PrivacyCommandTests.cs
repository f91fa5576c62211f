using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FineTune.Cli.Commands;
using FineTune.Privacy;

namespace FineTune.Cli.Tests;

public class PrivacyCommandTests
{
    // The published Opacus RDP case: sigma 1.5, q 0.04, 2250 steps (90 epochs), delta 1e-5.
    private static readonly string[] s_published = ["--noise-multiplier", "1.5", "--sample-rate", "0.04", "--steps", "2250", "--delta", "1e-5"];

    [Fact]
    public void Epsilon_PublishedRdpCase_PrintsOpacusEpsilon()
    {
        CliRun run = Invoke(["privacy", "epsilon", .. s_published, "--json"]);

        Assert.Equal(0, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        Assert.Equal(7.32911117143, json.RootElement.GetProperty("epsilon").GetDouble(), 1e-9);
    }

    [Theory]
    [InlineData("rdp")]
    [InlineData("prv")]
    public void Epsilon_Json_EqualsTheAccountant(string mechanism)
    {
        CliRun run = Invoke("privacy", "epsilon", "--noise-multiplier", "1.1", "--sample-rate", "0.01", "--steps", "1000", "--delta", "1e-6", "--accountant", mechanism, "--json");

        IPrivacyAccountant accountant = PrivacyAccountants.Create(mechanism);
        accountant.Step(1.1, 0.01, 1000);
        Assert.Equal(0, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        Assert.Equal(accountant.GetEpsilon(1e-6), json.RootElement.GetProperty("epsilon").GetDouble());
    }

    [Fact]
    public void Epsilon_PlainOutput_PrintsOnlyTheNumber()
    {
        CliRun run = Invoke(["privacy", "epsilon", .. s_published]);

        var accountant = new RdpAccountant();
        accountant.Step(1.5, 0.04, 2250);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(accountant.GetEpsilon(1e-5), double.Parse(run.Output.Trim(), CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("rdp")]
    [InlineData("prv")]
    public void Noise_Json_EqualsNoiseCalibration(string mechanism)
    {
        CliRun run = Invoke("privacy", "noise", "--target-epsilon", "3", "--sample-rate", "0.02", "--steps", "500", "--delta", "1e-5", "--accountant", mechanism, "--json");

        double expected = NoiseCalibration.GetNoiseMultiplier(3, 1e-5, 0.02, 500, mechanism);
        Assert.Equal(0, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        Assert.Equal(expected, json.RootElement.GetProperty("noise_multiplier").GetDouble());
    }

    [Fact]
    public void Noise_PlainOutput_PrintsANoiseMultiplierThatMeetsTheBudget()
    {
        CliRun run = Invoke("privacy", "noise", "--target-epsilon", "8", "--sample-rate", "0.04", "--steps", "2250", "--delta", "1e-5");

        Assert.Equal(0, run.ExitCode);
        double sigma = double.Parse(run.Output.Trim(), CultureInfo.InvariantCulture);
        var accountant = new RdpAccountant();
        accountant.Step(sigma, 0.04, 2250);
        Assert.InRange(accountant.GetEpsilon(1e-5), 8 - NoiseCalibration.DefaultEpsilonTolerance, 8);
    }

    [Theory]
    [InlineData("--delta", "1.5", "--delta")]
    [InlineData("--sample-rate", "-0.1", "--sample-rate")]
    [InlineData("--steps", "-3", "--steps")]
    [InlineData("--noise-multiplier", "-1", "--noise-multiplier")]
    [InlineData("--noise-multiplier", "0", "unbounded")]
    public void Epsilon_InvalidInput_FailsWithOneReadableLine(string option, string value, string mentioned)
    {
        string[] args = ["privacy", "epsilon", .. s_published];
        args[Array.IndexOf(args, option) + 1] = value;

        CliRun run = Invoke(args);

        Assert.NotEqual(0, run.ExitCode);
        Assert.StartsWith("error: ", run.Error);
        Assert.Contains(mentioned, run.Error);
        Assert.Single(run.Error.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData("--target-epsilon", "0", "--target-epsilon")]
    [InlineData("--target-epsilon", "1e-9", "cannot be met")]
    [InlineData("--sample-rate", "0", "--sample-rate")]
    [InlineData("--steps", "0", "--steps")]
    [InlineData("--accountant", "gdp", "gdp")]
    public void Noise_InvalidInput_FailsWithOneReadableLine(string option, string value, string mentioned)
    {
        string[] args = ["privacy", "noise", "--target-epsilon", "3", "--sample-rate", "0.02", "--steps", "100", "--delta", "1e-5", "--accountant", "rdp"];
        args[Array.IndexOf(args, option) + 1] = value;

        CliRun run = Invoke(args);

        Assert.NotEqual(0, run.ExitCode);
        Assert.StartsWith("error: ", run.Error);
        Assert.Contains(mentioned, run.Error);
        Assert.Single(run.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Epsilon_MissingOption_IsAParseError()
    {
        CliRun run = Invoke("privacy", "epsilon", "--noise-multiplier", "1", "--steps", "10", "--delta", "1e-5");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--sample-rate", run.Error);
    }

    // The command under CliApp's error handling, standing alone until CliApp registers it.
    private static CliRun Invoke(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var root = new RootCommand("test host") { PrivacyCommand.Create(output) };
        int exitCode;
        try
        {
            ParseResult parsed = root.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                error.WriteLine($"error: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
                exitCode = 2;
            }
            else
            {
                exitCode = parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
            }
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"error: {e.Message}");
            exitCode = 1;
        }
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }
}
