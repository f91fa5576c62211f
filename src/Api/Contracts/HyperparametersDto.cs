using System.Text.Json.Nodes;

namespace FineTune.Api.Contracts;

/// <summary>Resolved training settings of a job.</summary>
/// <param name="NEpochs">Passes over the training set (used when <c>steps</c> is null): a number, or <c>"auto"</c> (from the
/// dataset size) until the job runs.</param>
/// <param name="Steps">Optimizer steps to run, or null to derive them from the epochs.</param>
/// <param name="BatchSize">Sequences per forward pass: a number, or <c>"auto"</c> (from the device) until the job runs.</param>
/// <param name="LearningRate">Peak learning rate: a number, or <c>"auto"</c> (from the model size) until the job runs.</param>
/// <param name="GradAccum">Micro-batches per optimizer step.</param>
/// <param name="MaxSeqLen">Longest sequence in tokens.</param>
/// <param name="LrSchedule">constant, linear or cosine.</param>
/// <param name="WarmupRatio">Share of steps spent warming up.</param>
/// <param name="WeightDecay">AdamW weight decay.</param>
/// <param name="MaxGradNorm">Global gradient clipping norm (0: off).</param>
/// <param name="EvalEvery">Validation every N steps (0: at the end).</param>
/// <param name="SaveEvery">Checkpoint every N steps (0: no periodic checkpoints).</param>
/// <param name="SaveEachEpoch">Whether a checkpoint is also written at the end of each epoch (every m-th of more than
/// 20) when the steps derive from the epochs.</param>
/// <param name="Packing">Whether several examples share one sequence.</param>
public sealed record HyperparametersDto(
    JsonNode NEpochs,
    long? Steps,
    JsonNode BatchSize,
    JsonNode LearningRate,
    int GradAccum,
    int MaxSeqLen,
    string LrSchedule,
    double WarmupRatio,
    double WeightDecay,
    double MaxGradNorm,
    int EvalEvery,
    int SaveEvery,
    bool SaveEachEpoch,
    bool Packing);
