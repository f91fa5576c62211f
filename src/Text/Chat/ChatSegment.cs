namespace FineTune.Text.Chat;

/// <summary>
/// A piece of rendered text: plain text, or the spelling of one special token (which the tokenizer must map to a
/// single id and which bounds tokenization: BPE never merges across it). <see cref="Trained"/> marks assistant output.
/// </summary>
internal readonly record struct ChatSegment(string Text, bool IsSpecial, bool Trained);
