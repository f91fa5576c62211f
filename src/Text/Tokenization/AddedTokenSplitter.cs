using System.Buffers;

namespace FineTune.Text.Tokenization;

/// <summary>
/// Cuts text around added tokens: scanning left to right, the longest added token starting at each position wins,
/// and the text between matches is kept as its own piece (the reference's DictionarySplitter).
/// </summary>
internal sealed class AddedTokenSplitter
{
    private readonly Node _root = new();
    private readonly SearchValues<char> _firstChars;
    private readonly bool _isEmpty;

    /// <summary>Builds a splitter for <paramref name="contents"/>.</summary>
    public AddedTokenSplitter(IEnumerable<string> contents)
    {
        var first = new HashSet<char>();
        foreach (string content in contents)
        {
            if (content.Length == 0)
            {
                continue;
            }

            Node node = _root;
            foreach (char c in content)
            {
                node.Children ??= [];
                if (!node.Children.TryGetValue(c, out Node? child))
                {
                    child = new Node();
                    node.Children.Add(c, child);
                }

                node = child;
            }

            node.Match = content;
            first.Add(content[0]);
        }

        _isEmpty = first.Count == 0;
        _firstChars = SearchValues.Create([.. first]);
    }

    /// <summary>Appends the pieces of <paramref name="text"/>; added tokens appear as whole pieces.</summary>
    public void Split(string text, List<string> pieces)
    {
        if (_isEmpty)
        {
            if (text.Length > 0)
            {
                pieces.Add(text);
            }

            return;
        }

        int start = 0;
        int i = 0;
        while (i < text.Length)
        {
            int offset = text.AsSpan(i).IndexOfAny(_firstChars);
            if (offset < 0)
            {
                break;
            }

            i += offset;
            string? match = LongestMatchAt(text, i);
            if (match is null)
            {
                i++;
                continue;
            }

            if (i > start)
            {
                pieces.Add(text[start..i]);
            }

            pieces.Add(match);
            i += match.Length;
            start = i;
        }

        if (start < text.Length)
        {
            pieces.Add(text[start..]);
        }
    }

    private string? LongestMatchAt(string text, int index)
    {
        Node node = _root;
        string? match = null;
        for (int j = index; j < text.Length; j++)
        {
            if (node.Children is null || !node.Children.TryGetValue(text[j], out Node? child))
            {
                break;
            }

            node = child;
            match = node.Match ?? match;
        }

        return match;
    }

    private sealed class Node
    {
        public Dictionary<char, Node>? Children { get; set; }

        public string? Match { get; set; }
    }
}
