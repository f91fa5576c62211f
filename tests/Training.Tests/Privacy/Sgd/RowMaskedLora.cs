using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using F = FineTune.Torch.torch.nn.functional;

namespace FineTune.Training.Tests.Privacy.Sgd;

/// <summary>
/// A LoRA branch for a single-row forward that applies row <c>row</c> of the dropout mask a full batch of
/// <c>rows</c> would draw from the generator, so a per-example reference pass sees exactly the mask its row saw in
/// the batched pass. Borrows the adapter's A and B.
/// </summary>
internal sealed class RowMaskedLora(LoraLinear lora, double dropout, Generator generator, int row, int rows) : ILinearAdapter
{
    public Tensor Forward(Tensor input)
    {
        using var scope = TensorScope.Begin();
        long[] batchShape = input.shape;
        batchShape[0] = rows;
        Tensor mask = torch.rand(batchShape, input.dtype, input.device, generator).ge(dropout).narrow(0, row, 1); // (1, …, in)
        Tensor dropped = input.mul(mask).div(1 - dropout);
        Tensor low = F.linear(dropped, lora.A);
        return scope.MoveToOuter(F.linear(low, lora.B).mul(lora.Scaling));
    }

    public void Dispose()
    {
    }
}
