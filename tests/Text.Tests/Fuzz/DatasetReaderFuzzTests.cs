using System.Text;
using CsCheck;
using FineTune.Text.Data;

namespace FineTune.Text.Tests.Fuzz;

/// <summary>
/// Property tests of <see cref="DatasetReader"/>: on any bytes it never throws (bad data is an error in the result,
/// never an exception), and the verdict does not depend on how the bytes were cut into chunks.
/// </summary>
public sealed class DatasetReaderFuzzTests
{
    private static readonly string[] s_fragments =
    [
        "{", "}", "[", "]", ",", ":", "\"", "\n", "\r\n", "\r", " ", "\\", "\\u", "\\ud800", "0", "-1", "1e400", "NaN", "null",
        "true", "\"messages\"", "\"role\"", "\"content\"", "\"user\"", "\"assistant\"", "\"system\"", "\"text\"",
        "\"prompt\"", "\"completion\"", "\"instruction\"", "\"output\"", "\"conversations\"", "\"from\"", "\"value\"",
        "\"human\"", "\"gpt\"", "a,b,c", "\"x\"\"y\"", "\u00e9", "\uD83D\uDE00", "\u0000", "\u202E",
    ];

    private static readonly string[] s_goodRecords =
    [
        """{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}]}""",
        """{"prompt":"2+2","completion":"4"}""",
        """{"instruction":"Add","input":"1 and 1","output":"2"}""",
        """{"text":"Once upon a time"}""",
        """{"conversations":[{"from":"human","value":"Hi"},{"from":"gpt","value":"Hello"}]}""",
    ];

    // Files made of JSON, CSV and format fragments, good records with a random byte changed, and raw bytes.
    private static readonly Gen<byte[]> s_files = Gen.OneOf(
        Gen.OneOf(s_fragments).Array[0, 60].Select(parts => Encoding.UTF8.GetBytes(string.Concat(parts))),
        Gen.Select(Gen.OneOf(s_goodRecords).Array[1, 6], Gen.Int[0, 400], Gen.Byte, (records, at, value) =>
        {
            byte[] bytes = Encoding.UTF8.GetBytes(string.Join("\n", records) + "\n");
            bytes[at % bytes.Length] = value;
            return bytes;
        }),
        Gen.Byte.Array[0, 512]);

    [Fact]
    public void AnyBytes_NeverThrow_AndTheVerdictDoesNotDependOnChunking()
    {
        Gen.Select(s_files, Gen.Int[1, 64], Gen.Bool).Sample((bytes, chunk, capLines) =>
        {
            var options = new DatasetReadOptions { MaxLineBytes = capLines ? 96 : null };
            DatasetReadResult whole = ReadInChunks(bytes, bytes.Length + 1, options);
            DatasetReadResult chunked = ReadInChunks(bytes, chunk, options);

            Assert.Equal(whole.IsValid, chunked.IsValid);
            Assert.Equal(whole.RecordCount, chunked.RecordCount);
            Assert.Equal(whole.ExampleCount, chunked.ExampleCount);
            Assert.Equal(whole.TotalErrorCount, chunked.TotalErrorCount);
            // Where each error is; a JSON syntax error quotes the bad text as far as the buffer held it, so not its words.
            Assert.Equal(whole.Errors.Select(error => (error.Line, error.RecordIndex, error.Field)), chunked.Errors.Select(error => (error.Line, error.RecordIndex, error.Field)));
            Assert.All(whole.Errors, error => Assert.False(string.IsNullOrWhiteSpace(error.Message)));
            Assert.Equal(whole.IsValid, whole.Errors.Count == 0);
        }, iter: FuzzBudget.Iterations(3000), seed: FuzzBudget.Seed, threads: 1);
    }

    [Fact]
    public void NamedFormats_OnAnyBytes_NeverThrow()
    {
        Gen.Select(s_files, Gen.OneOf(Enum.GetValues<DatasetFormat>())).Sample((bytes, format) =>
        {
            DatasetReadResult result = DatasetReader.Read(new MemoryStream(bytes), new DatasetReadOptions { Format = format });

            Assert.Equal(result.IsValid, result.TotalErrorCount == 0);
        }, iter: FuzzBudget.Iterations(2000), seed: FuzzBudget.Seed, threads: 1);
    }

    private static DatasetReadResult ReadInChunks(byte[] bytes, int chunk, DatasetReadOptions options)
    {
        var reader = new DatasetReader(options);
        for (int offset = 0; offset < bytes.Length; offset += chunk)
        {
            reader.Append(bytes.AsSpan(offset, Math.Min(chunk, bytes.Length - offset)));
        }
        return reader.Complete();
    }
}
