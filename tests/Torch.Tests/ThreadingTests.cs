namespace FineTune.Torch.Tests;

public class ThreadingTests
{
    [Fact]
    public void Ops_CalledFromSeveralThreads_GiveCorrectIndependentResults()
    {
        const int threads = 4;
        var results = new double[threads];
        var failures = new List<Exception>();

        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            try
            {
                for (int iteration = 0; iteration < 50; iteration++)
                {
                    using var scope = TensorScope.Begin();
                    Tensor x = torch.full([32, 32], i + 1, ScalarType.Float64, requiresGrad: true);
                    Tensor y = x.matmul(x).sum();
                    y.backward();
                    Assert.Throws<TorchException>(() => x.view(7));
                    results[i] = x.grad()!.mean().item();
                }
            }
            catch (Exception e)
            {
                lock (failures)
                {
                    failures.Add(e);
                }
            }
        });

        Assert.Empty(failures);
        for (int i = 0; i < threads; i++)
        {
            // d/dx sum(x @ x) with x = c everywhere is 2 * 32 * c per element.
            Assert.Equal(2 * 32 * (i + 1), results[i], 9);
        }
    }

    [Fact]
    public void GradMode_IsPerThread()
    {
        bool otherThreadEnabled = false;
        using (torch.no_grad())
        {
            var thread = new Thread(() => otherThreadEnabled = torch.is_grad_enabled());
            thread.Start();
            thread.Join();
        }

        Assert.True(otherThreadEnabled);
    }
}
