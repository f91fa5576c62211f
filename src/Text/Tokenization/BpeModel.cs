using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace FineTune.Text.Tokenization;

/// <summary>
/// The BPE <c>model</c> of <c>tokenizer.json</c>. Each word is split into code points and the pair with the lowest
/// merge rank (leftmost on ties) is merged until none is left, as in tokenizers.js. Every string that can take part in
/// a merge is interned as a symbol id at load, so the merge loop compares ints, never strings.
/// Symbols that are not vocabulary tokens fall back to <c>&lt;0xNN&gt;</c> byte tokens (when every byte has one), then
/// to the unknown token, and are otherwise dropped, which is what the reference does.
/// Speed comes from a bounded per-word cache and from cutting long words where no merge can reach across
/// (BpeModel.Split.cs); neither changes the result.
/// </summary>
internal sealed partial class BpeModel
{
    private const int DeadSymbol = int.MinValue;
    private const int MaxCachedWordLength = 256;
    private const int CacheCapacity = 100_000;
    private const int MinSplitWordLength = 32;

    private readonly Dictionary<string, int> _symbols = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _symbolsBySpan;
    private readonly List<int> _symbolTokenIds = [];
    private readonly List<string> _symbolTexts = [];
    private readonly int[] _bmpSymbols = new int[char.MaxValue + 1];
    private readonly Dictionary<long, int> _mergeRanks = [];
    private readonly int[] _mergeLeft;
    private readonly int[] _mergeRight;
    private readonly int[] _mergeResult;
    private readonly int[] _byteTokenIds = new int[256];
    private readonly bool _byteFallback;
    private readonly bool _ignoreMerges;
    private readonly bool _fuseUnknown;
    private readonly int _unknownTokenId;
    private readonly Dictionary<char, HashSet<char>> _joinablePredecessors = [];
    private readonly SearchValues<char> _splitChars;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private int _cacheCount;

    /// <summary>Loads the model from <paramref name="model"/>.</summary>
    /// <param name="model">The <c>model</c> object of <c>tokenizer.json</c>.</param>
    /// <param name="vocabulary">The model vocabulary with the added tokens laid over it (the reference's tokens_to_ids).</param>
    /// <param name="resolveTokenId">Maps a vocabulary string to the id the tokenizer finally emits for it.</param>
    /// <param name="sourcePath">The file, for error messages.</param>
    public BpeModel(JsonElement model, IReadOnlyDictionary<string, int> vocabulary, Func<string, int> resolveTokenId,
        string sourcePath)
    {
        _symbolsBySpan = _symbols.GetAlternateLookup<ReadOnlySpan<char>>();
        Array.Fill(_bmpSymbols, -1);
        foreach (string token in vocabulary.Keys)
        {
            Intern(token, resolveTokenId(token));
        }

        _byteFallback = model.GetBool("byte_fallback", false);
        _ignoreMerges = model.GetBool("ignore_merges", false);
        _fuseUnknown = model.GetBool("fuse_unk", false);
        string? unknown = model.GetString("unk_token");
        _unknownTokenId = unknown is not null && vocabulary.ContainsKey(unknown) ? resolveTokenId(unknown) : -1;

        for (int b = 0; b < 256; b++)
        {
            _byteTokenIds[b] = vocabulary.ContainsKey($"<0x{b:X2}>") ? resolveTokenId($"<0x{b:X2}>") : -1;
        }

        JsonElement merges = model.Get("merges") ?? default;
        int mergeCount = merges.ValueKind == JsonValueKind.Array ? merges.GetArrayLength() : 0;
        _mergeLeft = new int[mergeCount];
        _mergeRight = new int[mergeCount];
        _mergeResult = new int[mergeCount];
        if (mergeCount > 0)
        {
            LoadMerges(merges, sourcePath);
        }

        _splitChars = FindSplitChars();
    }

    /// <summary>Appends the token ids of <paramref name="words"/>, fusing runs of unknown tokens when configured.</summary>
    public void Encode(List<string> words, List<int> ids)
    {
        int first = ids.Count;
        foreach (string word in words)
        {
            EncodeWord(word, ids);
        }

        if (_fuseUnknown && _unknownTokenId >= 0)
        {
            FuseUnknown(ids, first);
        }
    }

    private void EncodeWord(string word, List<int> ids)
    {
        if (word.Length == 0)
        {
            return;
        }

        if (_ignoreMerges && _symbols.TryGetValue(word, out int whole) && _symbolTokenIds[whole] >= 0)
        {
            ids.Add(_symbolTokenIds[whole]);
            return;
        }

        if (!_ignoreMerges && word.Length > MinSplitWordLength)
        {
            EncodeSplit(word, ids);
            return;
        }

        EncodeChunk(word, ids);
    }

    private void EncodeChunk(string word, List<int> ids)
    {
        bool cacheable = word.Length < MaxCachedWordLength;
        if (cacheable && _cache.TryGetValue(word, out int[]? cached))
        {
            ids.AddRange(cached);
            return;
        }

        int start = ids.Count;
        MergeWord(word, ids);
        if (cacheable)
        {
            // A bounded cache: clearing on overflow is cheaper than LRU bookkeeping and keeps memory fixed.
            if (Interlocked.Increment(ref _cacheCount) > CacheCapacity)
            {
                _cache.Clear();
                Interlocked.Exchange(ref _cacheCount, 0);
            }

            _cache.TryAdd(word, ids.GetRange(start, ids.Count - start).ToArray());
        }
    }

    private void EmitSymbol(string word, int start, int length, int symbol, List<int> ids)
    {
        int tokenId = symbol >= 0 ? _symbolTokenIds[symbol] : -1;
        if (tokenId >= 0)
        {
            ids.Add(tokenId);
            return;
        }

        if (_byteFallback)
        {
            // Rare (a character missing from the vocabulary), so the allocation does not matter.
            byte[] bytes = Encoding.UTF8.GetBytes(word.ToCharArray(start, length));
            if (Array.TrueForAll(bytes, b => _byteTokenIds[b] >= 0))
            {
                foreach (byte b in bytes)
                {
                    ids.Add(_byteTokenIds[b]);
                }

                return;
            }
        }

        EmitUnknown(ids);
    }

    private void EmitUnknown(List<int> ids)
    {
        if (_unknownTokenId >= 0)
        {
            ids.Add(_unknownTokenId);
        }
    }

    private void FuseUnknown(List<int> ids, int first)
    {
        int write = first;
        for (int read = first; read < ids.Count; read++)
        {
            if (ids[read] == _unknownTokenId && write > first && ids[write - 1] == _unknownTokenId)
            {
                continue;
            }

            ids[write++] = ids[read];
        }

        ids.RemoveRange(write, ids.Count - write);
    }

    private int Intern(string text, int tokenId)
    {
        if (_symbols.TryGetValue(text, out int symbol))
        {
            return symbol;
        }

        symbol = _symbolTokenIds.Count;
        _symbols.Add(text, symbol);
        _symbolTokenIds.Add(tokenId);
        _symbolTexts.Add(text);
        if (text.Length == 1)
        {
            _bmpSymbols[text[0]] = symbol;
        }

        return symbol;
    }

    private void LoadMerges(JsonElement merges, string sourcePath)
    {
        int rank = 0;
        foreach (JsonElement merge in merges.EnumerateArray())
        {
            string left;
            string right;
            if (merge.ValueKind == JsonValueKind.Array)
            {
                left = merge[0].GetString() ?? string.Empty;
                right = merge[1].GetString() ?? string.Empty;
            }
            else
            {
                // JavaScript's split(" ", 2): text after a second space is dropped, not kept in the right part.
                string text = merge.GetString() ?? throw new InvalidDataException($"Bad merge entry in '{sourcePath}'.");
                int space = text.IndexOf(' ', StringComparison.Ordinal);
                left = space < 0 ? text : text[..space];
                int end = space < 0 ? -1 : text.IndexOf(' ', space + 1);
                right = space < 0 ? string.Empty : end < 0 ? text[(space + 1)..] : text[(space + 1)..end];
            }

            _mergeLeft[rank] = Intern(left, -1);
            _mergeRight[rank] = Intern(right, -1);
            _mergeResult[rank] = Intern(left + right, -1);

            // A later duplicate overwrites the earlier rank, as a JavaScript Map built from the list does.
            _mergeRanks[PairKey(_mergeLeft[rank], _mergeRight[rank])] = rank;
            rank++;
        }
    }

    private string SymbolText(int symbol) => _symbolTexts[symbol];

    private static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;
}
