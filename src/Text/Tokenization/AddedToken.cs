namespace FineTune.Text.Tokenization;

/// <summary>
/// An entry of <c>added_tokens</c>: text matched verbatim before normalization (or after it, when
/// <see cref="Normalized"/>) and mapped straight to <see cref="Id"/>, bypassing BPE. <c>single_word</c> is ignored,
/// as in the reference.
/// </summary>
/// <param name="Content">The token text.</param>
/// <param name="Id">The token id.</param>
/// <param name="Special">Whether decoding with skipped special tokens drops it.</param>
/// <param name="LStrip">Whether whitespace before it is removed.</param>
/// <param name="RStrip">Whether whitespace after it is removed.</param>
/// <param name="Normalized">Whether it is matched in normalized text (the default for non-special tokens).</param>
internal sealed record AddedToken(string Content, int Id, bool Special, bool LStrip, bool RStrip, bool Normalized);
