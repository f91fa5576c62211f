using System.Text.Json;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Jobs;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Training.Backends;
using FineTune.Worker.Checkpoints;
using Microsoft.Extensions.Logging;

namespace FineTune.Worker.Execution;

/// <summary>Preparing an attempt: everything between the claim and the first training step.</summary>
public sealed partial class TrainLoraHandler
{
    private async Task<(ITrainingBackend Backend, TrainingRequest Request, string? ResumedArtifact)> PrepareAsync(
        LeaseSession session, JobWorkspace workspace, int slot, CancellationToken cancellationToken, CancellationToken writesToken)
    {
        JobLease lease = session.Lease;
        JobSpec spec = ParseSpec(lease.Job);
        ITrainingBackend backend = _backends.Get(lease.Job.Backend);

        string modelFolder = await _models.ResolveAsync(spec.Model, cancellationToken);
        await session.AppendAsync(WorkerEventTypes.Log, WorkerEvents.Log("info", $"model {spec.Model} resolved to {Path.GetFileName(modelFolder)}"), writesToken);
        (string trainingFile, string? uploadFormat) = await CopyDatasetAsync(lease, spec.TrainingFile, "training_file", workspace, cancellationToken);
        string? validationFile = spec.ValidationFile is null
            ? null
            : (await CopyDatasetAsync(lease, spec.ValidationFile, "validation_file", workspace, cancellationToken)).Path;
        (string? resumeFrom, string? resumedArtifact) = await RestoreCheckpointAsync(session, workspace, cancellationToken, writesToken);

        TrainingRequest request = spec.ToTrainingRequest(modelFolder, trainingFile, validationFile, workspace.Output) with
        {
            // A spec without a format trains the file as the format its upload was validated as (detected, or named
            // with ?format=), so a JSON file uploaded as tabular trains as tabular and nothing else is ever guessed.
            Format = spec.Format ?? uploadFormat,
            ResumeFrom = resumeFrom,
            BackendOptions = backend.AssignDevice(spec.BackendOptions, slot),
        };
        return (backend, request, resumedArtifact);
    }

    private static JobSpec ParseSpec(Job job)
    {
        if (job.Kind != Kind)
        {
            throw new PermanentJobException($"this worker cannot run jobs of kind '{job.Kind}' (it runs '{Kind}')");
        }
        JobSpec? spec;
        IReadOnlyList<JobSpecError> errors;
        try
        {
            using JsonDocument document = JsonDocument.Parse(job.Spec);
            // The resolved form the API stored at submit, or the client's JSON of a job queued before it (parsed).
            (spec, errors) = JobSpecJson.ReadStored(document.RootElement);
        }
        catch (JsonException exception)
        {
            throw new PermanentJobException($"the job spec is not valid JSON: {exception.Message}", exception);
        }
        if (spec is null)
        {
            string detail = string.Join("; ", errors.Select(error => error.Field.Length == 0 ? error.Message : $"{error.Field}: {error.Message}"));
            throw new PermanentJobException($"invalid job spec: {detail}");
        }
        if (spec.Backend != job.Backend)
        {
            throw new PermanentJobException($"the spec asks for backend '{spec.Backend}' but the job was queued for '{job.Backend}'");
        }
        return spec;
    }

    /// <summary>Copies a dataset out of Postgres into the attempt's data folder; returns the file and its upload format.</summary>
    private async Task<(string Path, string? Format)> CopyDatasetAsync(JobLease lease, string reference, string field, JobWorkspace workspace, CancellationToken cancellationToken)
    {
        if (!TryParseDatasetId(reference, out Guid datasetId))
        {
            throw new PermanentJobException($"{field}: '{reference}' is not a dataset id");
        }
        Dataset dataset = await _datasets.GetAsync(lease.TenantId, datasetId, cancellationToken)
            ?? throw new PermanentJobException($"{field}: dataset '{reference}' does not exist");
        string path = Path.Combine(workspace.Data, field + SafeExtension(dataset.FileName));
        await using (FileStream file = File.Create(path))
        await using (Stream content = _datasets.OpenRead(dataset))
        {
            await content.CopyToAsync(file, cancellationToken);
        }
        return (path, dataset.Format);
    }

    /// <summary>
    /// Unpacks the checkpoint the queue handed this attempt, if any, and returns its folder for the trainer and its
    /// archive's name. A
    /// checkpoint whose archive is gone or unreadable is skipped with a log event: the attempt starts over rather than
    /// failing forever on a file that will not get better.
    /// </summary>
    private async Task<(string? Folder, string? ArtifactName)> RestoreCheckpointAsync(LeaseSession session, JobWorkspace workspace, CancellationToken cancellationToken, CancellationToken writesToken)
    {
        JobLease lease = session.Lease;
        if (lease.ResumeFrom is not { } checkpoint)
        {
            return (null, null);
        }
        Artifact? artifact = checkpoint.ArtifactId is Guid artifactId ? await _artifacts.GetAsync(lease.TenantId, artifactId, cancellationToken) : null;
        if (artifact is null)
        {
            await LogAsync(session, "warning", $"the checkpoint of step {checkpoint.Step} has no stored archive; starting from step 0", writesToken);
            return (null, null);
        }
        string folder = Path.Combine(workspace.Resume, $"checkpoint-{checkpoint.Step}");
        try
        {
            await using (Stream content = _artifacts.OpenRead(artifact))
            {
                await CheckpointArchive.UnpackAsync(content, folder, cancellationToken);
            }
        }
        catch (InvalidDataException exception)
        {
            await LogAsync(session, "warning", $"the checkpoint of step {checkpoint.Step} cannot be read ({exception.Message}); starting from step 0", writesToken);
            Directory.Delete(folder, recursive: true);
            return (null, artifact.Name);
        }
        string log = Path.Combine(folder, CheckpointArchive.TrainingLogEntry);
        if (File.Exists(log))
        {
            // The trainer appends to the output folder's log when resuming, so the final log covers every step.
            File.Move(log, Path.Combine(workspace.Output, CheckpointArchive.TrainingLogEntry), overwrite: true);
        }
        await LogAsync(session, "info", $"resuming from the checkpoint of step {checkpoint.Step} (attempt {checkpoint.Attempt})", writesToken);
        return (folder, artifact.Name);
    }

    private async Task LogAsync(LeaseSession session, string level, string message, CancellationToken writesToken)
    {
        _logger.LogInformation("Job {JobId}: {Message}", session.Lease.JobId, message);
        await session.AppendAsync(WorkerEventTypes.Log, WorkerEvents.Log(level, message), writesToken);
    }

    /// <summary>
    /// A dataset reference: its ID, bare or with an OpenAI-style prefix (<c>file-</c>, <c>ds_</c>, ...) before it.
    /// </summary>
    internal static bool TryParseDatasetId(string reference, out Guid datasetId)
    {
        if (Guid.TryParse(reference, out datasetId))
        {
            return true;
        }
        int separator = reference.IndexOfAny(['-', '_']);
        return separator > 0 && Guid.TryParse(reference.AsSpan(separator + 1), out datasetId);
    }

    private static string SafeExtension(string fileName)
    {
        string extension = Path.GetExtension(fileName);
        return extension.Length is > 1 and <= 8 && extension[1..].All(char.IsAsciiLetterOrDigit) ? extension.ToLowerInvariant() : ".data";
    }
}
