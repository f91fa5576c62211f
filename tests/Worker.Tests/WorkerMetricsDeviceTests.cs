using System.Diagnostics.Metrics;
using FineTune.Training.Backends;
using FineTune.Worker.Telemetry;
using FineTune.Worker.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Worker.Tests;

/// <summary>The GPU memory gauges read what the backends report (<see cref="ITrainingBackend.ReadDeviceMemory"/>).</summary>
public sealed class WorkerMetricsDeviceTests
{
    [Fact]
    public void GpuMemoryGauges_ReportEachDeviceOfTheBackend()
    {
        var backend = new SeamBackend([new("cuda:0", "big", 80L << 30), new("cuda:1", "small", 24L << 30)]);

        Dictionary<(string Instrument, int Device), long> gauges = ReadGauges(new BackendCatalog([backend]));

        Assert.Equal(80L << 30, gauges[("finetune.worker.gpu.memory.total", 0)]);
        Assert.Equal(24L << 30, gauges[("finetune.worker.gpu.memory.total", 1)]);
        Assert.Equal(2L << 20, gauges[("finetune.worker.gpu.memory.allocated", 1)]);
        Assert.Equal(4L << 20, gauges[("finetune.worker.gpu.memory.peak", 1)]);
        Assert.Equal(6, gauges.Count);
    }

    [Fact]
    public void GpuMemoryGauges_AreAbsentWithoutDevices()
    {
        Dictionary<(string Instrument, int Device), long> gauges = ReadGauges(new BackendCatalog([new SeamBackend([])]));

        Assert.Empty(gauges);
    }

    private static Dictionary<(string Instrument, int Device), long> ReadGauges(BackendCatalog catalog)
    {
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var metrics = new WorkerMetrics(factory, catalog);
        var gauges = new Dictionary<(string Instrument, int Device), long>();
        using var listener = new MeterListener
        {
            // Only this test's meter: other tests' workers publish the same instrument names in this process.
            InstrumentPublished = (instrument, meters) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name.StartsWith("finetune.worker.gpu.", StringComparison.Ordinal))
                {
                    meters.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => gauges[(instrument.Name, (int)tags[0].Value!)] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return gauges;
    }
}
