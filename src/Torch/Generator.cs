using FineTune.Torch.Handles;
using FineTune.Torch.Interop;

namespace FineTune.Torch;

/// <summary>A seeded random generator, so sampling, dropout masks and DP noise can be reproduced.</summary>
public sealed class Generator : IDisposable
{
    /// <summary>Creates a generator on the device with the given seed.</summary>
    public Generator(long seed, Device? device = null)
    {
        Device target = device ?? Device.CPU;
        Native.Check(NativeMethods.FtGenerator_New(seed, (int)target.Type, target.Index, out GeneratorHandle handle));
        Handle = handle;
        Seed = seed;
        Device = target;
    }

    /// <summary>The device it draws for; it fills only tensors of this device type.</summary>
    public Device Device { get; }

    /// <summary>The seed this generator started from.</summary>
    public long Seed { get; }

    internal GeneratorHandle Handle { get; }

    /// <summary>Returns the generator's state as a new uint8 tensor (for checkpoints); the caller owns it.</summary>
    public Tensor get_state()
    {
        Native.Check(NativeMethods.FtGenerator_GetState(Handle, out TensorHandle state));
        return new Tensor(state);
    }

    /// <summary>Restores a state returned by <see cref="get_state"/>.</summary>
    public void set_state(Tensor state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Native.Check(NativeMethods.FtGenerator_SetState(Handle, state.Handle));
    }

    /// <inheritdoc />
    public void Dispose() => Handle.Dispose();

    internal static GeneratorHandle HandleOf(Generator? generator) => generator?.Handle ?? GeneratorHandle.Null;
}
