using FineTune.Contracts.Backends;
using FineTune.Contracts.Events;
using FineTune.Contracts.Hosting;
using FineTune.Contracts.Jobs;
using FineTune.Contracts.Models;
using FineTune.HuggingFace;
using FineTune.Text.Data;

namespace FineTune.Worker;

/// <summary>
/// Sorts an attempt's exception into permanent or transient (STYLE.md section 4). Permanent: the job as submitted can
/// never succeed (spec, data, options, model, divergence); the worker's own rejections of a spec are among them, so a
/// spec the API should have refused fails once instead of burning every attempt. Transient: anything else, which the
/// queue retries with exponential backoff; a device out-of-memory error is transient and carries a hint, since another
/// worker, or the same one once other jobs finish, may have room.
/// </summary>
public static class JobErrorClassifier
{
    /// <summary>The longest reason stored on a job; longer messages are cut.</summary>
    public const int MaxMessageLength = 2000;

    /// <summary>Classifies <paramref name="exception"/> and words its reason.</summary>
    public static JobFailure Classify(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            DeviceOutOfMemoryException oom => new JobFailure(
                Limit($"{JobErrorCodes.OutOfMemoryPrefix}: {FirstLine(oom.Message)}. Hint: lower hyperparameters.batch_size or "
                    + "max_seq_len (grad_accum keeps the effective batch), or run it on a worker with more memory"),
                Permanent: false),
            // A FormatException here comes from reading the job's options or config (a value the spec got wrong),
            // and an ArgumentException (BackendOptionsException too) from validating them: retrying cannot help.
            PermanentJobException or DatasetValidationException or InvalidDataException or ArgumentException or FormatException
                or TrainingDivergedException or ModelFormatException => new JobFailure(Limit(NonEmpty(ErrorLine.Of(exception.Message))), Permanent: true),
            HubException { Kind: HubErrorKind.NotFound or HubErrorKind.AccessDenied } => new JobFailure(Limit(FirstLine(exception.Message)), Permanent: true),
            AggregateException { InnerExceptions.Count: 1 } aggregate => Classify(aggregate.InnerExceptions[0]),
            _ => new JobFailure(Limit($"{exception.GetType().Name}: {FirstLine(exception.Message)}"), Permanent: false),
        };
    }

    private static string FirstLine(string message) => NonEmpty(ErrorLine.FirstLine(message));

    private static string NonEmpty(string line) => line.Length == 0 ? "(no message)" : line;

    private static string Limit(string message)
    {
        return message.Length <= MaxMessageLength ? message : message[..(MaxMessageLength - 3)] + "...";
    }
}
