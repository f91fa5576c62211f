using System.Buffers.Binary;
using System.Text;
using CsCheck;
using FineTune.Torch.Safetensors;

namespace FineTune.Torch.Tests.Fuzz;

/// <summary>
/// Property tests of the safetensors reader: any header JSON, and any file with bytes changed, either opens with every
/// tensor inside the data section or fails with <see cref="SafetensorsFormatException"/> naming the problem, never
/// another exception.
/// </summary>
public sealed class SafetensorsFuzzTests
{
    private static readonly string[] s_dtypes = ["F32", "F16", "BF16", "I64", "I32", "U8", "BOOL", "F64", "F8_E4M3", "f32", "X", ""];

    private static readonly string[] s_numbers = ["0", "1", "2", "3", "4", "8", "16", "-1", "1e400", "9223372036854775807", "18446744073709551616", "0.5", "\"4\"", "null"];

    private static readonly Gen<string> s_number = Gen.OneOf(s_numbers);

    private static readonly Gen<string> s_tensor = Gen.Select(
        Gen.OneOf(s_dtypes),
        s_number.Array[0, 4],
        s_number,
        s_number,
        Gen.Int[0, 5],
        (dtype, shape, begin, end, variant) => variant switch
        {
            0 => "[]",
            1 => "\"tensor\"",
            2 => $"{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}]}}",
            _ => $"{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{begin},{end}]}}",
        });

    private static readonly Gen<string> s_header = Gen.Select(
        Gen.Select(Gen.OneOf("a", "b", "c", "__metadata__", "", "\\ud800"), s_tensor).Array[0, 4],
        Gen.Int[0, 3],
        (entries, wrapper) => wrapper switch
        {
            0 => "[" + string.Join(",", entries.Select(entry => entry.Item2)) + "]",
            1 => "{" + string.Join(",", entries.Select(entry => $"\"{entry.Item1}\":{entry.Item2}")) + "}",
            _ => "{" + string.Join(",", entries.DistinctBy(entry => entry.Item1).Select(entry => $"\"{entry.Item1}\":{entry.Item2}")) + "}",
        });

    [Fact]
    public void AnyHeader_ParsesWithTensorsInsideTheData_OrFailsAsAFormatError()
    {
        Gen.Select(s_header, Gen.Long[0, 64]).Sample((header, dataLength) =>
        {
            try
            {
                (_, Dictionary<string, SafetensorsTensorInfo> tensors) = SafetensorsHeaderParser.Parse("fuzz.safetensors", Encoding.UTF8.GetBytes(header), dataLength);
                Assert.All(tensors.Values, tensor => Assert.InRange(tensor.ByteOffset + tensor.ByteLength, 0, dataLength));
            }
            catch (SafetensorsFormatException exception)
            {
                Assert.Contains("fuzz.safetensors", exception.Message, StringComparison.Ordinal);
            }
        }, iter: FuzzBudget(4000), threads: 1);
    }

    [Fact]
    public void AFileWithBytesChanged_OpensOrFailsAsAFormatError()
    {
        byte[] valid = ValidFile();
        string path = Path.Combine(Path.GetTempPath(), $"ft-fuzz-{Guid.NewGuid():N}.safetensors");
        try
        {
            Gen.Select(Gen.Int[0, valid.Length + 8].Array[1, 4], Gen.Byte.Array[4], Gen.Int[0, valid.Length + 8]).Sample((positions, values, length) =>
            {
                byte[] bytes = valid.Take(Math.Max(length, 1)).ToArray();
                for (int i = 0; i < positions.Length; i++)
                {
                    if (positions[i] < bytes.Length)
                    {
                        bytes[positions[i]] = values[i];
                    }
                }
                File.WriteAllBytes(path, bytes);
                try
                {
                    using SafetensorsFile file = SafetensorsFile.Open(path);
                    Assert.All(file.Tensors.Values, tensor => Assert.InRange(tensor.ByteOffset + tensor.ByteLength, 0, file.DataSectionLength));
                }
                catch (SafetensorsFormatException)
                {
                    // A documented failure, naming the file and the problem.
                }
            }, iter: FuzzBudget(600), threads: 1);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] ValidFile()
    {
        byte[] header = Encoding.UTF8.GetBytes("""{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"I64","shape":[1],"data_offsets":[16,24]},"__metadata__":{"format":"pt"}}""");
        byte[] bytes = new byte[8 + header.Length + 24];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }

    // A fixed number of cases keeps CI at a few seconds; FINETUNE_FUZZ_ITER raises it for a longer local run.
    private static long FuzzBudget(long ciDefault)
    {
        return long.TryParse(Environment.GetEnvironmentVariable("FINETUNE_FUZZ_ITER"), out long iterations) && iterations > 0 ? iterations : ciDefault;
    }
}
