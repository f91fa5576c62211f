using System.Text;
using FineTune.Text.Data;

namespace FineTune.Text.Tests.Data;

/// <summary>Reads datasets written inline in tests.</summary>
internal static class DatasetText
{
    public static DatasetReadResult Read(string content, DatasetReadOptions? options = null)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(content));
        return DatasetReader.Read(stream, options);
    }

    /// <summary>Feeds the bytes in chunks of the given size, so records and characters straddle chunk boundaries.</summary>
    public static DatasetReadResult ReadInChunks(string content, int chunkBytes, DatasetReadOptions? options = null)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(content);
        var reader = new DatasetReader(options);
        for (int offset = 0; offset < bytes.Length; offset += chunkBytes)
        {
            reader.Append(bytes.AsSpan(offset, Math.Min(chunkBytes, bytes.Length - offset)));
        }

        return reader.Complete();
    }

    /// <summary>Joins lines with '\n', so the line numbers in a test are the indices in its array plus one.</summary>
    public static string Lines(params string[] lines) => string.Join('\n', lines) + "\n";

    public static DatasetError SingleError(DatasetReadResult result)
    {
        Assert.False(result.IsValid);
        return Assert.Single(result.Errors);
    }
}
