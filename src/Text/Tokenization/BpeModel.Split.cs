using System.Buffers;

namespace FineTune.Text.Tokenization;

/// <summary>
/// Safe splitting of long words. SentencePiece-style files have no pre-tokenizer, so the reference runs BPE over a
/// whole text as one word. A merge can only join across the boundary between characters a and b if some merge result
/// contains "ab"; where none does, the two sides never interact and can be merged (and cached) separately with an
/// identical result. Boundaries are only tried before a few separator characters, to keep the tables small.
/// </summary>
internal sealed partial class BpeModel
{
    private static readonly char[] s_separatorCandidates = ['\u2581', ' ', '\n', '\r', '\t'];

    private SearchValues<char> FindSplitChars()
    {
        foreach (char separator in s_separatorCandidates)
        {
            _joinablePredecessors[separator] = [];
        }

        for (int rank = 0; rank < _mergeResult.Length; rank++)
        {
            // Only the bigram that straddles the two halves is new; those inside them were recorded for earlier merges
            // or are single code points.
            string left = SymbolText(_mergeLeft[rank]);
            string right = SymbolText(_mergeRight[rank]);
            if (left.Length > 0 && right.Length > 0 && _joinablePredecessors.TryGetValue(right[0], out HashSet<char>? set))
            {
                set.Add(left[^1]);
            }
        }

        return SearchValues.Create(s_separatorCandidates);
    }

    private void EncodeSplit(string word, List<int> ids)
    {
        int start = 0;
        int i = 1;
        while (i < word.Length)
        {
            int offset = word.AsSpan(i).IndexOfAny(_splitChars);
            if (offset < 0)
            {
                break;
            }

            i += offset;
            if (!_joinablePredecessors[word[i]].Contains(word[i - 1]))
            {
                EncodeChunk(word[start..i], ids);
                start = i;
            }

            i++;
        }

        EncodeChunk(start == 0 ? word : word[start..], ids);
    }
}
