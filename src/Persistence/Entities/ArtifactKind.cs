namespace FineTune.Persistence.Entities;

/// <summary>The values of <see cref="Artifact.Kind"/> (the <c>artifact_kind_known</c> CHECK lists the same).</summary>
public static class ArtifactKind
{
    /// <summary>A file the user downloads: the adapter, its config, the training log, the result.</summary>
    public const string Output = "output";

    /// <summary>Training state a later attempt resumes from; referenced by a <see cref="Checkpoint"/>.</summary>
    public const string Checkpoint = "checkpoint";
}
