namespace FineTune.Torch.Tests;

/// <summary>
/// Tests that compare the process-wide live-handle counter run alone: xunit runs a collection with parallelization
/// disabled after all parallel ones, so no other test creates tensors meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class SerialNativeTests
{
    public const string Name = "native live-handle counter";

    /// <summary>Finalizes tensors other tests dropped, then reads the counter.</summary>
    public static long SettledLiveCount()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return torch.live_tensor_count;
    }
}
