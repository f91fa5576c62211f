using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using FineTune.Contracts.Configs;
using FineTune.Training.Train;

namespace FineTune.Training.Privacy.Audit;

/// <summary>
/// The canaries of a privacy audit: m random token sequences and, for each, the secret fair coin that says whether it
/// joins the training data. Everything derives from a 256-bit key drawn from the OS CSPRNG: the bytes are
/// HMAC-SHA256(key, label ‖ canary ‖ block), a pseudorandom function, so without the key neither the tokens nor the
/// coins can be told from random, and with it a resumed run regenerates exactly the same set. The key, like the DP
/// seeds, lives only in the worker's memory and in checkpoints (never served); canaries and coins are never written.
/// </summary>
internal sealed class CanarySet
{
    /// <summary>Bytes of a key.</summary>
    public const int KeyBytes = 32;

    private CanarySet(byte[] key, IReadOnlyList<TokenizedExample> canaries, IReadOnlyList<bool> included)
    {
        Key = key;
        Canaries = canaries;
        Included = included;
    }

    /// <summary>The secret the set derives from; checkpoints keep it so a resumed run regenerates the set.</summary>
    public byte[] Key { get; }

    /// <summary>The m canaries, each marked <see cref="TokenizedExample.IsCanary"/>, loss on every token after the first.</summary>
    public IReadOnlyList<TokenizedExample> Canaries { get; }

    /// <summary>The coins: whether canary i is trained on.</summary>
    public IReadOnlyList<bool> Included { get; }

    /// <summary>The canaries whose coin put them in the training data.</summary>
    public IEnumerable<TokenizedExample> Trained => Canaries.Where((_, i) => Included[i]);

    /// <summary>A fresh key from the OS CSPRNG.</summary>
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeyBytes);

    /// <summary>Derives the set of <paramref name="audit"/> over token ids [0, <paramref name="vocabularySize"/>).</summary>
    public static CanarySet Create(byte[] key, AuditConfig audit, int vocabularySize)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(audit);
        if (key.Length != KeyBytes)
        {
            throw new ArgumentException($"a canary key has {KeyBytes} bytes, not {key.Length}", nameof(key));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 2);
        audit.Validate();
        using var prf = new HMACSHA256(key);
        var canaries = new TokenizedExample[audit.Canaries];
        var included = new bool[audit.Canaries];
        for (int i = 0; i < audit.Canaries; i++)
        {
            var stream = new PrfStream(prf, "canary", i);
            int[] ids = new int[audit.CanaryLength];
            for (int t = 0; t < ids.Length; t++)
            {
                ids[t] = stream.NextBelow((uint)vocabularySize);
            }
            canaries[i] = new TokenizedExample(ids, ids.Select((_, t) => t > 0).ToArray()) { IsCanary = true };
            included[i] = (new PrfStream(prf, "coin", i).NextUInt32() & 1) == 1;
        }
        return new CanarySet(key, canaries, included);
    }

    /// <summary>The bytes HMAC(key, label ‖ index ‖ block) for blocks 0, 1, …, read four at a time.</summary>
    private sealed class PrfStream(HMACSHA256 prf, string label, int index)
    {
        private readonly byte[] _input = Input(label, index);
        private byte[] _block = [];
        private int _used;
        private uint _counter;

        public uint NextUInt32()
        {
            if (_used + sizeof(uint) > _block.Length)
            {
                BinaryPrimitives.WriteUInt32BigEndian(_input.AsSpan(_input.Length - sizeof(uint)), _counter++);
                _block = prf.ComputeHash(_input);
                _used = 0;
            }
            uint value = BinaryPrimitives.ReadUInt32BigEndian(_block.AsSpan(_used));
            _used += sizeof(uint);
            return value;
        }

        // Uniform in [0, bound) by rejection: values in the last partial run of 2^32 mod bound would favour small ids.
        public int NextBelow(uint bound)
        {
            uint limit = uint.MaxValue - (uint)(((ulong)uint.MaxValue + 1) % bound);
            uint value;
            do
            {
                value = NextUInt32();
            }
            while (value > limit);
            return (int)(value % bound);
        }

        private static byte[] Input(string label, int index)
        {
            byte[] name = Encoding.ASCII.GetBytes(label);
            byte[] input = new byte[name.Length + 1 + sizeof(int) + sizeof(uint)];
            name.CopyTo(input, 0);
            BinaryPrimitives.WriteInt32BigEndian(input.AsSpan(name.Length + 1), index);
            return input;
        }
    }
}
