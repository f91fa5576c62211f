namespace FineTune.Text.Tokenization;

/// <summary>
/// The merge loop: a linked list of symbols plus a binary min-heap of candidate pairs, each a single long
/// (rank in the high half, left node in the low half), so ties go to the leftmost pair as in the reference.
/// </summary>
internal sealed partial class BpeModel
{
    private const int MaxPooledWordLength = 1 << 16;

    [ThreadStatic]
    private static MergeScratch? t_scratch;

    private void MergeWord(string word, List<int> ids)
    {
        // Very long words (SentencePiece-style files have no pre-tokenizer, so a whole text is one word) get
        // their own buffers, so a thread does not keep megabytes of scratch alive afterwards.
        MergeScratch s = word.Length > MaxPooledWordLength ? new MergeScratch() : t_scratch ??= new MergeScratch();
        s.Reset(word.Length);
        int[] symbol = s.Symbol;
        int[] next = s.Next;
        int[] prev = s.Prev;

        // Nodes are code points; a node's index is its code-point position.
        int count = 0;
        for (int i = 0; i < word.Length; i++)
        {
            int length = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            symbol[count] = length == 1 ? _bmpSymbols[word[i]] : LookUp(word.AsSpan(i, 2));
            s.Start[count] = i;
            s.Length[count] = length;
            prev[count] = count - 1;
            next[count] = count + 1;
            count++;
            i += length - 1;
        }

        next[count - 1] = -1;
        for (int node = 0; node < count - 1; node++)
        {
            PushPair(s, node);
        }

        while (s.TryPop(out long key))
        {
            int node = (int)(key & 0xFFFFFFFF);
            int rank = (int)(key >> 32);
            int right = next[node];

            // Stale entry: one side has merged since it was queued. Symbols only grow and each rank names one pair,
            // so finding that pair still in place proves the entry is current.
            if (right < 0 || symbol[node] != _mergeLeft[rank] || symbol[right] != _mergeRight[rank])
            {
                continue;
            }

            symbol[node] = _mergeResult[rank];
            s.Length[node] += s.Length[right];
            symbol[right] = DeadSymbol;
            int after = next[right];
            next[node] = after;
            if (after >= 0)
            {
                prev[after] = node;
            }

            if (prev[node] >= 0)
            {
                PushPair(s, prev[node]);
            }

            PushPair(s, node);
        }

        for (int node = 0; node >= 0; node = next[node])
        {
            EmitSymbol(word, s.Start[node], s.Length[node], symbol[node], ids);
        }
    }

    private int LookUp(ReadOnlySpan<char> text) => _symbolsBySpan.TryGetValue(text, out int symbol) ? symbol : -1;

    private void PushPair(MergeScratch s, int node)
    {
        int right = s.Next[node];
        if (right < 0 || s.Symbol[node] < 0 || s.Symbol[right] < 0)
        {
            return;
        }

        if (_mergeRanks.TryGetValue(PairKey(s.Symbol[node], s.Symbol[right]), out int rank))
        {
            s.Push(((long)rank << 32) | (uint)node);
        }
    }

    /// <summary>Per-thread buffers, reused across words so the merge loop does not allocate.</summary>
    private sealed class MergeScratch
    {
        private long[] _heap = new long[64];
        private int _heapCount;

        public int[] Symbol { get; private set; } = [];

        public int[] Start { get; private set; } = [];

        public int[] Length { get; private set; } = [];

        public int[] Prev { get; private set; } = [];

        public int[] Next { get; private set; } = [];

        public void Reset(int capacity)
        {
            if (Symbol.Length < capacity)
            {
                int size = Math.Max(capacity, Symbol.Length * 2);
                Symbol = new int[size];
                Start = new int[size];
                Length = new int[size];
                Prev = new int[size];
                Next = new int[size];
            }

            _heapCount = 0;
        }

        public void Push(long key)
        {
            if (_heapCount == _heap.Length)
            {
                Array.Resize(ref _heap, _heap.Length * 2);
            }

            long[] heap = _heap;
            int i = _heapCount++;
            while (i > 0)
            {
                int parent = (i - 1) >> 1;
                if (heap[parent] <= key)
                {
                    break;
                }

                heap[i] = heap[parent];
                i = parent;
            }

            heap[i] = key;
        }

        public bool TryPop(out long key)
        {
            if (_heapCount == 0)
            {
                key = 0;
                return false;
            }

            long[] heap = _heap;
            key = heap[0];
            long last = heap[--_heapCount];
            int i = 0;
            while (true)
            {
                int child = (2 * i) + 1;
                if (child >= _heapCount)
                {
                    break;
                }

                if (child + 1 < _heapCount && heap[child + 1] < heap[child])
                {
                    child++;
                }

                if (last <= heap[child])
                {
                    break;
                }

                heap[i] = heap[child];
                i = child;
            }

            heap[i] = last;
            return true;
        }
    }
}
