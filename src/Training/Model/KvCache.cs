using FineTune.Torch;

namespace FineTune.Training.Model;

/// <summary>
/// Keys and values of the positions already processed, per layer, so generation feeds one new token per step
/// instead of recomputing the whole prefix. Tensors are (B, nkv, T_past, hs), stored before the GQA repeat.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;

    /// <summary>Creates an empty cache for a model with the given number of layers.</summary>
    public KvCache(int layers)
    {
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
    }

    /// <summary>Number of positions cached (T_past).</summary>
    public long Length { get; private set; }

    /// <summary>
    /// Appends this step's keys/values (B, nkv, T, hs) for a layer and returns the full ones (B, nkv, T_past + T, hs)
    /// as new tensors the caller owns. The last layer's append advances <see cref="Length"/>.
    /// </summary>
    public (Tensor keys, Tensor values) Append(int layer, Tensor keys, Tensor values)
    {
        Tensor fullKeys = _keys[layer] is { } pastKeys ? torch.cat([pastKeys, keys], 2) : keys.alias();
        Tensor fullValues = _values[layer] is { } pastValues ? torch.cat([pastValues, values], 2) : values.alias();
        _keys[layer]?.Dispose();
        _values[layer]?.Dispose();
        _keys[layer] = TensorScope.TakeOwnership(fullKeys.detach());
        _values[layer] = TensorScope.TakeOwnership(fullValues.detach());
        if (layer == _keys.Length - 1)
        {
            Length = fullKeys.size(2);
        }
        return (fullKeys, fullValues);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Tensor? tensor in _keys.Concat(_values))
        {
            tensor?.Dispose();
        }
    }
}
