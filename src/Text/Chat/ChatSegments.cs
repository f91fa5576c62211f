using System.Text;

namespace FineTune.Text.Chat;

/// <summary>What a template writes: the rendered text, split into <see cref="ChatSegment"/>s in order.</summary>
internal sealed class ChatSegments
{
    private readonly StringBuilder _text = new();
    private readonly List<ChatSegment> _items = [];

    public IReadOnlyList<ChatSegment> Items => _items;

    public string Text => _text.ToString();

    public void AddText(string text, bool trained = false)
    {
        if (text.Length == 0)
        {
            return;
        }

        _items.Add(new ChatSegment(text, IsSpecial: false, trained));
        _text.Append(text);
    }

    public void AddSpecial(string token, bool trained = false)
    {
        _items.Add(new ChatSegment(token, IsSpecial: true, trained));
        _text.Append(token);
    }
}
