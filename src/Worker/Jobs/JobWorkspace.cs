using FineTune.Persistence.Queue;
using Microsoft.Extensions.Logging;

namespace FineTune.Worker.Jobs;

/// <summary>
/// The scratch folders of one attempt, under <see cref="WorkerOptions.WorkDir"/>: <c>data</c> (the datasets copied
/// out of Postgres), <c>resume</c> (the unpacked checkpoint), <c>out</c> (the trainer's output folder) and
/// <c>scratch</c> (archives being uploaded). Deleted when the attempt ends; only the artifact store keeps anything.
/// </summary>
internal sealed class JobWorkspace : IDisposable
{
    private readonly ILogger _logger;

    private JobWorkspace(string root, ILogger logger)
    {
        Root = root;
        _logger = logger;
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
        return new JobWorkspace(Path.Combine(workDir, name), logger);
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
