namespace FineTune.Api.Privacy;

/// <summary>
/// Body of <c>POST /v1/privacy/epsilon</c>: a planned DP-SGD run, described the way the trainer charges it (Poisson
/// sampling at <c>expected_batch_size / dataset_size</c> per step).
/// </summary>
/// <param name="NoiseMultiplier">Noise standard deviation over the clipping norm (σ), &gt; 0.</param>
/// <param name="ExpectedBatchSize">Expected records per step (&gt;= 1, at most <paramref name="DatasetSize"/>).</param>
/// <param name="DatasetSize">Records (or entities, for entity-level DP) in the dataset, &gt;= 1.</param>
/// <param name="Steps">Optimizer steps, 1 to 10,000,000.</param>
/// <param name="Delta">Target δ, in (0, 1).</param>
/// <param name="Accountant">rdp, prv or gdp; rdp when absent (the trainer's default).</param>
public sealed record PrivacyEpsilonRequest(
    double? NoiseMultiplier,
    int? ExpectedBatchSize,
    int? DatasetSize,
    int? Steps,
    double? Delta,
    string? Accountant);

/// <summary>Answer of <c>POST /v1/privacy/epsilon</c>: ε the service's accountant reports for the plan.</summary>
/// <param name="Epsilon">ε spent after all steps, at <paramref name="Delta"/>.</param>
/// <param name="Delta">The δ asked for.</param>
/// <param name="SampleRate">Per-step Poisson sampling rate used (expected batch / dataset size).</param>
/// <param name="Steps">Steps charged.</param>
/// <param name="Accountant">The accountant that answered.</param>
public sealed record PrivacyEpsilonResponse(double Epsilon, double Delta, double SampleRate, int Steps, string Accountant);
