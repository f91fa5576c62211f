namespace FineTune.Text.Data;

/// <summary>
/// Cuts a byte stream into records for a <see cref="RecordProcessor"/>, chunk by chunk, so a file never has to be
/// held whole. Implementations keep only the bytes of the record in progress.
/// </summary>
internal abstract class RecordSplitter(RecordProcessor processor)
{
    protected RecordProcessor Processor { get; } = processor;

    /// <summary>What to say when the container holds no records at all.</summary>
    public abstract string EmptyMessage { get; }

    public abstract void Append(ReadOnlySpan<byte> data);

    public abstract void Complete();
}
