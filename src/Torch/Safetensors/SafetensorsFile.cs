using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Globalization;
using System.IO.MemoryMappedFiles;

namespace FineTune.Torch.Safetensors;

/// <summary>
/// A read-only, memory-mapped safetensors file: an 8-byte little-endian header length, a JSON
/// header, then the data section. <see cref="Open"/> validates the whole header, so every
/// <see cref="Tensors"/> entry is known to lie inside the mapping.
/// </summary>
/// <remarks>
/// Spans from <see cref="GetBytes(string)"/> point into the mapping and are valid only until
/// <see cref="Dispose"/>. There is deliberately no finalizer: a span does not keep this object
/// alive, so unmapping from a finalizer could pull memory from under a live span. Forgetting to
/// dispose therefore leaks the mapping until the process exits. Reading is thread-safe; disposing
/// while another thread reads is not. Truncating the file on disk while it is mapped is outside
/// what any mapping can defend against (the OS raises SIGBUS or an access violation).
/// </remarks>
public sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>The largest header accepted, matching the reference implementation's limit.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const int LengthPrefixBytes = 8;

    private readonly MemoryMappedFile _mappedFile;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _fileStart;
    private bool _disposed;

    private SafetensorsFile(
        string path,
        MemoryMappedFile mappedFile,
        MemoryMappedViewAccessor view,
        byte* fileStart,
        long headerLength,
        long dataSectionLength,
        Dictionary<string, string> metadata,
        Dictionary<string, SafetensorsTensorInfo> tensors)
    {
        Path = path;
        _mappedFile = mappedFile;
        _view = view;
        _fileStart = fileStart;
        DataSectionOffset = LengthPrefixBytes + headerLength;
        DataSectionLength = dataSectionLength;
        // Frozen copies: a caller casting back to Dictionary must not be able to plant offsets outside the mapping.
        Metadata = metadata.ToFrozenDictionary(StringComparer.Ordinal);
        Tensors = tensors.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Gets the full path of the mapped file.</summary>
    public string Path { get; }

    /// <summary>Gets the string-to-string <c>__metadata__</c> map (empty when the header has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Gets the stored tensors by name. Enumeration order is unspecified; sort by <see cref="SafetensorsTensorInfo.ByteOffset"/> for file order.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }

    /// <summary>Gets the file position where the data section starts (8 plus the header length).</summary>
    public long DataSectionOffset { get; }

    /// <summary>Gets the length of the data section in bytes (the rest of the file).</summary>
    public long DataSectionLength { get; }

    /// <summary>Maps and validates a safetensors file.</summary>
    /// <param name="path">The file to open.</param>
    /// <returns>The open file; the caller owns it and must dispose it.</returns>
    /// <exception cref="SafetensorsFormatException">The file is not a valid safetensors file.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = System.IO.Path.GetFullPath(path);

        // FileShare.Delete lets a writer atomically replace the file while readers still hold the old one.
        var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        MemoryMappedFile? mappedFile = null;
        MemoryMappedViewAccessor? view = null;
        bool pointerAcquired = false;
        try
        {
            long fileLength = stream.Length;
            if (fileLength < LengthPrefixBytes)
            {
                throw new SafetensorsFormatException(
                    fullPath,
                    $"the file is {fileLength} bytes, shorter than the 8-byte header length prefix",
                    null);
            }

            // The file is at least 8 bytes, so the mapping is never empty even when the data section is.
            mappedFile = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = mappedFile.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            if (view.Capacity < fileLength)
            {
                throw new SafetensorsFormatException(fullPath, "the file shrank while it was being opened", null);
            }

            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            pointerAcquired = true;
            byte* fileStart = pointer + view.PointerOffset;

            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(fileStart, LengthPrefixBytes));
            CheckHeaderLength(fullPath, headerLength, fileLength);
            long dataLength = fileLength - LengthPrefixBytes - (long)headerLength;
            byte[] header = new ReadOnlySpan<byte>(fileStart + LengthPrefixBytes, (int)headerLength).ToArray();
            (Dictionary<string, string> metadata, Dictionary<string, SafetensorsTensorInfo> tensors) =
                SafetensorsHeaderParser.Parse(fullPath, header, dataLength);

            return new SafetensorsFile(fullPath, mappedFile, view, fileStart, (long)headerLength, dataLength, metadata, tensors);
        }
        catch
        {
            if (pointerAcquired)
            {
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            }

            view?.Dispose();
            mappedFile?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Returns the bytes of a stored tensor as a span over the mapping, valid until <see cref="Dispose"/>.</summary>
    /// <param name="name">The stored tensor name.</param>
    /// <returns>The tensor's raw little-endian bytes.</returns>
    /// <exception cref="KeyNotFoundException">No tensor has this name.</exception>
    /// <exception cref="NotSupportedException">The tensor is over 2 GiB; use <see cref="GetBytes(string, long, int)"/>.</exception>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        SafetensorsTensorInfo info = GetInfo(name);
        if (info.ByteLength > int.MaxValue)
        {
            throw new NotSupportedException(
                $"Tensor '{name}' in '{Path}' is {info.ByteLength} bytes, more than one span can hold; read it in slices with GetBytes(name, offset, length).");
        }

        return new ReadOnlySpan<byte>(_fileStart + DataSectionOffset + info.ByteOffset, (int)info.ByteLength);
    }

    /// <summary>Returns a slice of a stored tensor's bytes, for tensors too large for one span.</summary>
    /// <param name="name">The stored tensor name.</param>
    /// <param name="offset">The first byte, relative to the tensor's start.</param>
    /// <param name="length">The number of bytes.</param>
    /// <returns>The requested bytes, valid until <see cref="Dispose"/>.</returns>
    /// <exception cref="KeyNotFoundException">No tensor has this name.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The slice is not inside the tensor.</exception>
    public ReadOnlySpan<byte> GetBytes(string name, long offset, int length)
    {
        SafetensorsTensorInfo info = GetInfo(name);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, info.ByteLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, info.ByteLength - offset);
        return new ReadOnlySpan<byte>(_fileStart + DataSectionOffset + info.ByteOffset + offset, length);
    }

    /// <summary>Returns the header entry of a stored tensor.</summary>
    /// <param name="name">The stored tensor name.</param>
    /// <returns>The validated entry.</returns>
    /// <exception cref="KeyNotFoundException">No tensor has this name.</exception>
    public SafetensorsTensorInfo GetInfo(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!Tensors.TryGetValue(name, out SafetensorsTensorInfo? info))
        {
            throw new KeyNotFoundException($"Tensor '{name}' is not in safetensors file '{Path}' ({Tensors.Count} tensors).");
        }

        return info;
    }

    /// <summary>Unmaps the file; spans obtained from this instance must no longer be used.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _mappedFile.Dispose();
    }

    private static void CheckHeaderLength(string path, ulong headerLength, long fileLength)
    {
        if (headerLength > MaxHeaderBytes)
        {
            throw new SafetensorsFormatException(
                path,
                string.Create(CultureInfo.InvariantCulture, $"the header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit"),
                null);
        }

        if (headerLength > (ulong)(fileLength - LengthPrefixBytes))
        {
            throw new SafetensorsFormatException(
                path,
                $"the header length {headerLength} is larger than the file allows ({fileLength - LengthPrefixBytes} bytes after the 8-byte prefix): the file is truncated or not safetensors",
                null);
        }
    }
}
