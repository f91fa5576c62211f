using F = FineTune.Torch.torch.nn.functional;

namespace FineTune.Torch.Tests;

/// <summary>Finite-difference checks for every differentiable op the engine uses (float64).</summary>
public class GradCheckTests
{
    private static Tensor Rand(params long[] shape) => torch.randn(shape, ScalarType.Float64);

    private static Tensor Positive(params long[] shape)
    {
        using Tensor r = torch.rand(shape, ScalarType.Float64);
        return r.add(0.5);
    }

    [Fact]
    public void Elementwise_Binary_MatchFiniteDifferences()
    {
        using var scope = TensorScope.Begin();
        GradCheck.Assert(x => x[0].add(x[1], alpha: 0.7), Rand(2, 3), Rand(3));
        GradCheck.Assert(x => x[0].sub(x[1]), Rand(2, 3), Rand(2, 1));
        GradCheck.Assert(x => x[0] * x[1], Rand(2, 3), Rand(2, 3));
        GradCheck.Assert(x => x[0] / x[1], Rand(2, 3), Positive(2, 3));
        GradCheck.Assert(x => x[0].pow(x[1]), Positive(2, 3), Rand(2, 3));
        GradCheck.Assert(x => x[0].pow(3) + (2.0 * x[0]) - 1.0, Rand(4));
        GradCheck.Assert(x => x[0].maximum(x[1]) + x[0].minimum(x[1]).mul(0.5), Rand(5), Rand(5));
    }

    [Fact]
    public void Elementwise_Unary_MatchFiniteDifferences()
    {
        using var scope = TensorScope.Begin();
        GradCheck.Assert(x => x[0].exp(), Rand(2, 3));
        GradCheck.Assert(x => x[0].log(), Positive(2, 3));
        GradCheck.Assert(x => x[0].sqrt(), Positive(2, 3));
        GradCheck.Assert(x => x[0].rsqrt(), Positive(2, 3));
        GradCheck.Assert(x => x[0].cos() + x[0].sin(), Rand(2, 3));
        GradCheck.Assert(x => x[0].tanh(), Rand(2, 3));
        GradCheck.Assert(x => x[0].sigmoid(), Rand(2, 3));
        GradCheck.Assert(x => F.silu(x[0]), Rand(2, 3));
        GradCheck.Assert(x => F.gelu(x[0]), Rand(2, 3));
        GradCheck.Assert(x => F.gelu(x[0], tanhApproximation: true), Rand(2, 3));
        GradCheck.Assert(x => x[0].square().neg().reciprocal(), Positive(3));
    }

    [Fact]
    public void LinearAlgebra_MatchFiniteDifferences()
    {
        using var scope = TensorScope.Begin();
        GradCheck.Assert(x => x[0].matmul(x[1]), Rand(2, 3, 4), Rand(4, 2));
        GradCheck.Assert(x => x[0].bmm(x[1]), Rand(2, 3, 4), Rand(2, 4, 2));
        GradCheck.Assert(x => F.linear(x[0], x[1], x[2]), Rand(2, 3, 4), Rand(5, 4), Rand(5));
        GradCheck.Assert(x => F.linear(x[0], x[1]), Rand(3, 4), Rand(5, 4));
        GradCheck.Assert(x => torch.einsum("bti,btj->bij", x[0], x[1]), Rand(2, 3, 4), Rand(2, 3, 2));
    }

    [Fact]
    public void Reductions_MatchFiniteDifferences()
    {
        using var scope = TensorScope.Begin();
        GradCheck.Assert(x => x[0].sum([1], keepdim: true), Rand(2, 3, 2));
        GradCheck.Assert(x => x[0].mean([0, 2]), Rand(2, 3, 2));
        GradCheck.Assert(x => x[0].mean(), Rand(2, 3));
        GradCheck.Assert(x => x[0].max(1).values, Rand(3, 4));
        GradCheck.Assert(x => x[0].norm(2, [1]), Rand(3, 4));
        GradCheck.Assert(x => x[0].norm(), Rand(3, 4));
        GradCheck.Assert(x => x[0].softmax(-1), Rand(2, 5));
        GradCheck.Assert(x => x[0].log_softmax(1), Rand(2, 5));
        GradCheck.Assert(x => x[0].cumsum(1), Rand(2, 5));
    }

    [Fact]
    public void NeuralNetworkOps_MatchFiniteDifferences()
    {
        using var scope = TensorScope.Begin();
        Tensor ids = torch.tensor(new long[] { 3, 0, 3, 1 }, [2, 2]);
        GradCheck.Assert(x => F.embedding(ids, x[0]), Rand(4, 3));
        Tensor targets = torch.tensor(new long[] { 2, -100, 0, 4 });
        GradCheck.Assert(x => F.cross_entropy(x[0], targets, ignoreIndex: -100), Rand(4, 5));
        GradCheck.Assert(x => F.cross_entropy(x[0], targets, reduction: torch.nn.Reduction.None), Rand(4, 5));
        GradCheck.Assert(x => F.cross_entropy(x[0], targets, reduction: torch.nn.Reduction.Sum), Rand(4, 5));
        Tensor mask = torch.tensor(new[] { true, false, true, false, false, true }, [2, 3]);
        GradCheck.Assert(x => x[0].masked_fill(mask, 0.25), Rand(2, 3));
        GradCheck.Assert(x => torch.where(mask, x[0], x[1]), Rand(2, 3), Rand(2, 3));
        GradCheck.Assert(x => x[0].clamp(-0.5, 0.5), Rand(4, 4));
        GradCheck.Assert(x => x[0].tril() + x[0].triu(1).mul(2), Rand(3, 3));
        GradCheck.Assert(x => F.dropout(x[0], 0.5, training: false), Rand(3, 3));
    }

    [Fact]
    public void Attention_MatchesFiniteDifferences()
    {
        using var scope = TensorScope.Begin();
        GradCheck.Assert(x => F.scaled_dot_product_attention(x[0], x[1], x[2], isCausal: true), Rand(1, 2, 3, 4), Rand(1, 2, 3, 4), Rand(1, 2, 3, 4));
        Tensor keep = torch.tensor(new[] { true, true, false, true, true, true }, [2, 3]);
        GradCheck.Assert(x => F.scaled_dot_product_attention(x[0], x[1], x[2], keep), Rand(1, 2, 4), Rand(1, 3, 4), Rand(1, 3, 4));
    }

    [Fact]
    public void ShapeOps_MatchFiniteDifferences()
    {
        using var scope = TensorScope.Begin();
        Tensor index = torch.tensor(new long[] { 2, 0 });
        Tensor gatherIndex = torch.tensor(new long[] { 0, 2, 1, 1 }, [2, 2]);
        GradCheck.Assert(x => x[0].reshape(3, 2).view(6).unsqueeze(0).squeeze(0), Rand(2, 3));
        GradCheck.Assert(x => x[0].transpose(0, 2).permute(1, 0, 2).contiguous(), Rand(2, 3, 4));
        GradCheck.Assert(x => x[0].narrow(1, 1, 2) + x[0].slice(1, 0, 4, 2), Rand(2, 4));
        GradCheck.Assert(x => x[0].index_select(1, index), Rand(2, 3));
        GradCheck.Assert(x => x[0].gather(1, gatherIndex), Rand(2, 3));
        GradCheck.Assert(x => torch.cat([x[0], x[1]], 1), Rand(2, 3), Rand(2, 1));
        GradCheck.Assert(x => torch.stack([x[0], x[1]], 0), Rand(2, 3), Rand(2, 3));
        GradCheck.Assert(x => x[0].split(2, 1)[1].mul(3) + x[0].chunk(2, 1)[0], Rand(2, 4));
        GradCheck.Assert(x => x[0].expand(3, -1, 4), Rand(1, 2, 1));
        GradCheck.Assert(x => x[0].repeat_interleave(2, 1), Rand(2, 3));
        GradCheck.Assert(x => x[0].select(0, 1).flatten(), Rand(2, 2, 2));
    }
}
