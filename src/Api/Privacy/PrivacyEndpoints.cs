using FineTune.Api.Problems;
using FineTune.Privacy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTune.Api.Privacy;

/// <summary>
/// <c>/v1/privacy/epsilon</c>: the dashboard's live privacy calculator, answered by the same accountants the trainer
/// charges, so the ε shown before submit is the ε the job will report.
/// </summary>
public static class PrivacyEndpoints
{
    /// <summary>The most steps one calculation charges; keeps a request to a bounded amount of work.</summary>
    public const int MaxSteps = 10_000_000;

    /// <summary>Maps the privacy routes under <paramref name="v1"/>.</summary>
    public static IEndpointRouteBuilder MapPrivacyEndpoints(this IEndpointRouteBuilder v1)
    {
        v1.MapPost("/privacy/epsilon", ComputeEpsilon)
            .WithTags("Privacy")
            .WithName("ComputeEpsilon")
            .WithSummary("ε of a planned DP-SGD run")
            .WithDescription("Charges steps of the Poisson-subsampled Gaussian mechanism at sample rate "
                + "expected_batch_size / dataset_size and noise multiplier σ, and reports ε at δ from the chosen accountant.");
        return v1;
    }

    private static Results<Ok<PrivacyEpsilonResponse>, UnprocessableProblem> ComputeEpsilon(PrivacyEpsilonRequest request)
    {
        string accountantName = request.Accountant ?? PrivacyAccountants.RdpMechanism;
        if (request.NoiseMultiplier is not { } sigma || !double.IsFinite(sigma) || sigma <= 0 || sigma > 1000)
        {
            return ApiProblems.Invalid("noise_multiplier", "must be a number in (0, 1000]");
        }

        if (request.DatasetSize is not { } datasetSize || datasetSize < 1)
        {
            return ApiProblems.Invalid("dataset_size", "must be an integer >= 1");
        }

        if (request.ExpectedBatchSize is not { } batch || batch < 1 || batch > datasetSize)
        {
            return ApiProblems.Invalid("expected_batch_size", "must be an integer from 1 to dataset_size");
        }

        if (request.Steps is not { } steps || steps < 1 || steps > MaxSteps)
        {
            return ApiProblems.Invalid("steps", $"must be an integer from 1 to {MaxSteps}");
        }

        if (request.Delta is not { } delta || !double.IsFinite(delta) || delta <= 0 || delta >= 1)
        {
            return ApiProblems.Invalid("delta", "must be a number in (0, 1)");
        }

        if (!PrivacyAccountants.Mechanisms.Contains(accountantName, StringComparer.Ordinal))
        {
            return ApiProblems.Invalid("accountant", $"must be one of {string.Join(", ", PrivacyAccountants.Mechanisms)}");
        }

        double sampleRate = (double)batch / datasetSize;
        IPrivacyAccountant accountant = PrivacyAccountants.Create(accountantName);
        accountant.Step(sigma, sampleRate, steps);
        double epsilon = accountant.GetEpsilon(delta);
        return TypedResults.Ok(new PrivacyEpsilonResponse(epsilon, delta, sampleRate, steps, accountantName));
    }
}
