using System.Threading.Channels;
using FineTune.Contracts.Events;
using FineTune.Training.Backends;
using Microsoft.Extensions.Logging;

namespace FineTune.Worker.Execution;

/// <summary>
/// Runs one training run on a dedicated thread (STYLE.md section 4): libtorch calls block for seconds, and tensors
/// must stay on one thread (section 7 rule 5), so training never runs on the thread pool. When the run ends, however
/// it ends, the message channel is completed (the backend has released its device cache) and the backend's count of
/// native objects (libtorch: live tensors) is logged (rule 4), so a leak shows up per job.
/// </summary>
internal static class TrainingThread
{
    public static Task<TrainingResult> Start(
        string name,
        ITrainingBackend backend,
        Func<TrainingResult> train,
        ChannelWriter<TrainingMessage> messages,
        ILogger logger,
        Guid jobId)
    {
        var completion = new TaskCompletionSource<TrainingResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            long before = backend.LiveNativeObjects;
            try
            {
                completion.TrySetResult(train());
            }
            catch (Exception exception)
            {
                completion.TrySetException(exception);
            }
            finally
            {
                long after = backend.LiveNativeObjects;
                logger.LogInformation("Job {JobId}: live native objects {Before} before training, {After} after", jobId, before, after);
                messages.TryComplete();
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return completion.Task;
    }
}
