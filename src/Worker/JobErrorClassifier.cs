using FineTune.Torch;
using FineTune.Training.Data;
using FineTune.Training.Hub;
using FineTune.Training.Model;
using FineTune.Training.Train;

namespace FineTune.Worker;

/// <summary>
/// Sorts an attempt's exception into permanent or transient (STYLE.md section 4). Permanent: the job as submitted can
/// never succeed (spec, data, options, model, divergence). Transient: anything else, which the queue retries with
/// exponential backoff; a device out-of-memory error is transient and carries a hint, since another worker, or the
/// same one once other jobs finish, may have room.
/// </summary>
public static class JobErrorClassifier
{
    /// <summary>The longest reason stored on a job; longer messages are cut.</summary>
    public const int MaxMessageLength = 2000;

    /// <summary>The text every out-of-memory failure starts with, so users and dashboards can match it.</summary>
    public const string OutOfMemoryPrefix = "out of memory";

    /// <summary>Classifies <paramref name="exception"/> and words its reason.</summary>
    public static JobFailure Classify(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            TorchOutOfMemoryException oom => new JobFailure(
                Limit($"{OutOfMemoryPrefix}: {FirstLine(oom.Message)}. Hint: lower hyperparameters.batch_size or "
                    + "max_seq_len (grad_accum keeps the effective batch), or run it on a worker with more memory"),
                Permanent: false),
            PermanentJobException or DatasetValidationException or InvalidDataException or ArgumentException
                or TrainingDivergedException or ModelFormatException => new JobFailure(Limit(FirstLine(exception.Message)), Permanent: true),
            HubException { Kind: HubErrorKind.NotFound or HubErrorKind.AccessDenied } => new JobFailure(Limit(FirstLine(exception.Message)), Permanent: true),
            AggregateException { InnerExceptions.Count: 1 } aggregate => Classify(aggregate.InnerExceptions[0]),
            _ => new JobFailure(Limit($"{exception.GetType().Name}: {FirstLine(exception.Message)}"), Permanent: false),
        };
    }

    private static string FirstLine(string message)
    {
        string line = message.Split('\n', 2)[0].Trim();
        return line.Length == 0 ? "(no message)" : line;
    }

    private static string Limit(string message)
    {
        return message.Length <= MaxMessageLength ? message : message[..(MaxMessageLength - 3)] + "...";
    }
}
