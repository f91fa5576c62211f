using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FineTune.Privacy;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune privacy epsilon --noise-multiplier S --sample-rate Q --steps T --delta D [--accountant rdp|prv]
/// [--json]</c> and <c>finetune privacy noise --target-epsilon E --sample-rate Q --steps T --delta D
/// [--accountant rdp|prv] [--json]</c>: the accountants and the noise calibration the trainer uses, for planning a
/// run. GDP is left out on purpose: its central-limit epsilon is an approximation, not a bound.
/// </summary>
internal static class PrivacyCommand
{
    private static readonly string[] s_accountants = [PrivacyAccountants.RdpMechanism, PrivacyAccountants.PrvMechanism];

    /// <summary>The <c>privacy</c> command with its <c>epsilon</c> and <c>noise</c> subcommands.</summary>
    public static Command Create(TextWriter output)
    {
        return new Command("privacy", "DP-SGD privacy accounting: the epsilon of a run, or the noise a budget needs")
        {
            EpsilonCommand(output),
            NoiseCommand(output),
        };
    }

    private static Command EpsilonCommand(TextWriter output)
    {
        var noiseMultiplier = new Option<double>("--noise-multiplier") { Description = "Noise std over the clipping norm (sigma)", Required = true };
        var sampleRate = SampleRate();
        var steps = Steps();
        var delta = Delta();
        var accountant = Accountant();
        var json = CliOptions.Json();
        var command = new Command("epsilon", "Epsilon spent by T Poisson-sampled Gaussian steps at delta")
        {
            noiseMultiplier, sampleRate, steps, delta, accountant, json,
        };
        command.SetAction(parseResult =>
        {
            double sigma = parseResult.GetValue(noiseMultiplier);
            double q = parseResult.GetValue(sampleRate);
            int stepCount = parseResult.GetValue(steps);
            double d = parseResult.GetValue(delta);
            Require(double.IsFinite(sigma) && sigma >= 0, $"--noise-multiplier must be a finite number >= 0, got {Format(sigma)}");
            Require(q is >= 0 and <= 1, $"--sample-rate must lie in [0, 1], got {Format(q)}");
            Require(stepCount >= 0, $"--steps must be >= 0, got {stepCount}");
            RequireDelta(d);
            IPrivacyAccountant privacy = PrivacyAccountants.Create(parseResult.GetValue(accountant)!);
            privacy.Step(sigma, q, stepCount);
            double epsilon = privacy.GetEpsilon(d);
            Require(double.IsFinite(epsilon), "epsilon is unbounded for these settings: the noise multiplier is too small");
            Write(output, parseResult.GetValue(json), new { epsilon }, epsilon);
            return 0;
        });
        return command;
    }

    private static Command NoiseCommand(TextWriter output)
    {
        var targetEpsilon = new Option<double>("--target-epsilon") { Description = "The privacy budget epsilon", Required = true };
        var sampleRate = SampleRate();
        var steps = Steps();
        var delta = Delta();
        var accountant = Accountant();
        var json = CliOptions.Json();
        var command = new Command("noise", "The noise multiplier whose T steps spend at most the target epsilon (within 0.01)")
        {
            targetEpsilon, sampleRate, steps, delta, accountant, json,
        };
        command.SetAction(parseResult =>
        {
            double epsilon = parseResult.GetValue(targetEpsilon);
            double q = parseResult.GetValue(sampleRate);
            int stepCount = parseResult.GetValue(steps);
            double d = parseResult.GetValue(delta);
            Require(double.IsFinite(epsilon) && epsilon > 0, $"--target-epsilon must be a finite number > 0, got {Format(epsilon)}");
            Require(q is > 0 and <= 1, $"--sample-rate must lie in (0, 1], got {Format(q)}");
            Require(stepCount >= 1, $"--steps must be >= 1, got {stepCount}");
            RequireDelta(d);
            double sigma;
            try
            {
                sigma = NoiseCalibration.GetNoiseMultiplier(epsilon, d, q, stepCount, parseResult.GetValue(accountant)!);
            }
            catch (ArgumentException e) when (e.ParamName == "targetEpsilon")
            {
                throw new ArgumentException($"--target-epsilon {Format(epsilon)} cannot be met over {stepCount} steps at sample rate {Format(q)} with any noise multiplier up to 1e6", e);
            }
            Write(output, parseResult.GetValue(json), new { NoiseMultiplier = sigma }, sigma);
            return 0;
        });
        return command;
    }

    private static Option<double> SampleRate() => new("--sample-rate") { Description = "Poisson sampling rate q = expected batch size / records", Required = true };

    private static Option<int> Steps() => new("--steps") { Description = "Number of noised optimizer steps", Required = true };

    private static Option<double> Delta() => new("--delta") { Description = "Target delta, in (0, 1)", Required = true };

    private static Option<string> Accountant()
    {
        var option = new Option<string>("--accountant") { Description = "rdp (Renyi DP) or prv (tighter, slower)", DefaultValueFactory = _ => PrivacyAccountants.RdpMechanism };
        // A validator rather than AcceptOnlyFromAmong, whose message spans several lines.
        option.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (value is null || !s_accountants.Contains(value))
            {
                result.AddError($"--accountant '{value}' is not one of {string.Join(", ", s_accountants)}");
            }
        });
        return option;
    }

    private static void RequireDelta(double delta)
    {
        Require(delta is > 0 and < 1, $"--delta must lie in (0, 1), got {Format(delta)}");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }

    private static void Write<T>(TextWriter output, bool json, T payload, double value)
    {
        output.WriteLine(json ? JsonSerializer.Serialize(payload, CliJson.Options) : Format(value));
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
