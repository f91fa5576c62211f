using FineTune.Persistence.Queue;
using Microsoft.Extensions.Logging;

namespace FineTune.Worker.Execution;

/// <summary>
/// The scratch folders of one attempt, under <see cref="WorkerOptions.WorkDir"/>: <c>data</c> (the datasets copied
/// out of Postgres), <c>resume</c> (the unpacked checkpoint), <c>out</c> (the trainer's output folder) and
/// <c>scratch</c> (archives being uploaded). Deleted when the attempt ends; only the artifact store keeps anything.
/// </summary>
internal sealed class JobWorkspace : IDisposable
{
    private readonly ILogger _logger;

    private JobWorkspace(string root, ILogger logger, bool create = true)
    {
        Root = root;
        _logger = logger;
        if (!create)
        {
            return;
        }
        Directory.CreateDirectory(Data);
        Directory.CreateDirectory(Resume);
        Directory.CreateDirectory(Output);
        Directory.CreateDirectory(Scratch);
    }

    public string Root { get; }

    public string Data => Path.Combine(Root, "data");

    public string Resume => Path.Combine(Root, "resume");

    public string Output => Path.Combine(Root, "out");

    public string Scratch => Path.Combine(Root, "scratch");

    public static JobWorkspace Create(string workDir, JobLease lease, ILogger logger)
    {
        // The random part keeps two runners in one process (tests) or a re-claim after a crash from sharing a folder.
        string name = $"{lease.JobId:N}-a{lease.Attempt}-{Guid.NewGuid().ToString("N")[..8]}";
        RemoveEarlierAttempts(workDir, lease, logger);
        return new JobWorkspace(Path.Combine(workDir, name), logger);
    }

    /// <summary>
    /// Deletes the folders that earlier attempts of this job left in <paramref name="workDir"/>: an attempt killed with
    /// kill -9 never deletes its own. Those attempts are over (this one holds the job now, and fencing refuses their
    /// writes), so nothing of theirs is still needed.
    /// </summary>
    private static void RemoveEarlierAttempts(string workDir, JobLease lease, ILogger logger)
    {
        if (!Directory.Exists(workDir))
        {
            return;
        }
        foreach (string folder in Directory.EnumerateDirectories(workDir, $"{lease.JobId:N}-a*"))
        {
            string attempt = Path.GetFileName(folder)[($"{lease.JobId:N}-a".Length)..].Split('-')[0];
            if (int.TryParse(attempt, System.Globalization.CultureInfo.InvariantCulture, out int earlier) && earlier < lease.Attempt)
            {
                logger.LogInformation("Job {JobId}: deleting the folder {Folder} left by attempt {Attempt}", lease.JobId, folder, earlier);
                new JobWorkspace(folder, logger, create: false).Dispose();
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(Root))
            {
                Directory.Delete(Root, recursive: true);
            }
        }
        catch (IOException exception)
        {
            _logger.LogWarning(exception, "Could not delete the job folder {Folder}", Root);
        }
        catch (UnauthorizedAccessException exception)
        {
            _logger.LogWarning(exception, "Could not delete the job folder {Folder}", Root);
        }
    }
}
