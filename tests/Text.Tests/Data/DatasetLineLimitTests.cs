using System.Text;
using FineTune.Text.Data;

namespace FineTune.Text.Tests.Data;

/// <summary><see cref="DatasetReadOptions.MaxLineBytes"/>: a line with no end stops reading, and memory stays flat.</summary>
public sealed class DatasetLineLimitTests
{
    [Fact]
    public void HundredMegabytesWithNoNewline_StopsAtLineOne_AllocatingAboutOneLimit()
    {
        const int maxLine = 1 << 20;
        byte[] block = new byte[64 * 1024];
        Array.Fill(block, (byte)'x');
        block[0] = (byte)'{';
        var reader = new DatasetReader(new DatasetReadOptions { KeepExamples = false, MaxLineBytes = maxLine });

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1600; i++)
        {
            reader.Append(block);
            block[0] = (byte)'x';
        }
        DatasetReadResult result = reader.Complete();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1, reader.LineTooLong);
        Assert.False(result.IsValid);
        DatasetError error = Assert.Single(result.Errors);
        Assert.Equal(1, error.Line);
        Assert.Contains($"{maxLine} bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(1600L * block.Length, result.ByteCount);
        // The line is buffered up to the limit (a growing buffer doubles, so up to ~4x), never the 100 MB.
        Assert.True(allocated < 8L * maxLine, $"allocated {allocated} bytes");
    }

    [Fact]
    public void LongLineAfterGoodLines_NamesItsLine_GoodLinesUnderTheLimitPass()
    {
        string good = """{"text":"short"}""" + "\n";
        string content = good + good + """{"text":" """ + new string('y', 300) + "\"}\n" + good;

        DatasetReadResult limited = DatasetReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(content)), new DatasetReadOptions { MaxLineBytes = 100 });
        DatasetReadResult roomy = DatasetReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(content)), new DatasetReadOptions { MaxLineBytes = 1000 });

        Assert.Equal(3, Assert.Single(limited.Errors).Line);
        Assert.True(roomy.IsValid);
        Assert.Equal(4, roomy.RecordCount);
    }
}
