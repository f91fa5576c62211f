using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTune.Persistence.Delivery;

/// <summary>
/// Runs the <see cref="JobDispatcher"/> in a host: a sweep at start (which also hands over jobs queued before Hangfire
/// was introduced: an existing database migrates by itself), then every job this process submits as soon as it is
/// committed, and a sweep every <see cref="HangfireOptions.DispatchSweepInterval"/> for jobs another process committed
/// but never handed over (it crashed in between).
/// </summary>
public sealed class JobDispatchService(JobDispatcher dispatcher, HangfireOptions options, ILogger<JobDispatchService>? logger = null) : BackgroundService
{
    private readonly ILogger _logger = logger ?? NullLogger<JobDispatchService>.Instance;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Task submitted = HandOverSubmittedAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.DispatchSweepInterval);
        do
        {
            try
            {
                int count = await dispatcher.DispatchPendingAsync(stoppingToken);
                if (count > 0)
                {
                    _logger.LogInformation("Handed {Count} queued job(s) to Hangfire", count);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The rows stay undispatched; the next sweep hands them over.
                _logger.LogWarning(exception, "Handing queued jobs to Hangfire failed; retrying at the next sweep");
            }
        }
        while (await WaitAsync(timer, stoppingToken));
        await submitted;
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task HandOverSubmittedAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await dispatcher.Submitted.WaitToReadAsync(stoppingToken))
            {
                // Everything submitted meanwhile goes over in one batch: at hundreds of submissions a second, one
                // transaction per job would fall behind.
                while (dispatcher.Submitted.TryRead(out _))
                {
                }
                try
                {
                    await dispatcher.DispatchPendingAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    _logger.LogWarning(exception, "Handing submitted jobs to Hangfire failed; the sweep will");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
