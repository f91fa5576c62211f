namespace FineTune.Api.Contracts;

/// <summary>LoRA adapter settings of a job, with PEFT's meanings.</summary>
/// <param name="R">Rank of the update.</param>
/// <param name="Alpha">Scale numerator (the update is scaled by alpha / r, or alpha / sqrt(r) with rsLoRA).</param>
/// <param name="Dropout">Dropout on the adapter input.</param>
/// <param name="TargetModules">Adapted layers (q_proj, ...) or <c>all-linear</c>.</param>
/// <param name="UseRslora">Whether rank-stabilised scaling is used.</param>
public sealed record LoraDto(int R, double Alpha, double Dropout, IReadOnlyList<string> TargetModules, bool UseRslora);
