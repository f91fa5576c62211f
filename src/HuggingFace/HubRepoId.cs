namespace FineTune.HuggingFace;

/// <summary>Validation of repository ids and revisions before they become URL segments and cache folder names.</summary>
internal static class HubRepoId
{
    // The hub's own limit on each of the two parts.
    private const int MaxPartLength = 96;

    /// <summary>Returns whether <paramref name="value"/> is <c>org/name</c> in the hub's character set.</summary>
    public static bool IsValid(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        int slash = value.IndexOf('/', StringComparison.Ordinal);
        return slash > 0
            && IsValidPart(value.AsSpan(0, slash))
            && IsValidPart(value.AsSpan(slash + 1));
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="repoId"/> unless it is valid.</summary>
    public static void Validate(string? repoId, string paramName)
    {
        if (!IsValid(repoId))
        {
            throw new ArgumentException(
                $"'{repoId}' is not a hub repository id: expected org/name, each part 1-{MaxPartLength} letters, "
                + "digits, '-', '_' or '.', not starting or ending with '-' or '.', without '--' or '..'.",
                paramName);
        }
    }

    /// <summary>Throws an <see cref="ArgumentException"/> unless the revision is safe as a URL segment and a path.</summary>
    public static void ValidateRevision(string? revision, string paramName)
    {
        bool valid = !string.IsNullOrEmpty(revision) && revision.Length <= 256;
        if (valid)
        {
            foreach (char c in revision!)
            {
                valid &= char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/';
            }

            // Branches like refs/pr/1 become nested ref files, so each segment must be a plain name.
            foreach (string segment in revision.Split('/'))
            {
                valid &= segment.Length > 0 && segment != "." && segment != "..";
            }
        }

        if (!valid)
        {
            throw new ArgumentException(
                $"'{revision}' is not a usable revision: expected a branch, tag or commit hash made of letters, "
                + "digits, '-', '_', '.' and '/'-separated segments.",
                paramName);
        }
    }

    /// <summary>Returns whether the revision is a full commit hash, which never moves, so needs no lookup.</summary>
    public static bool IsCommitHash(string revision) =>
        revision.Length == 40 && revision.All(char.IsAsciiHexDigitLower);

    // The cache folder joins the parts with "--", which is why "--" is banned inside them.
    private static bool IsValidPart(ReadOnlySpan<char> part)
    {
        if (part.IsEmpty || part.Length > MaxPartLength)
        {
            return false;
        }

        if (part[0] is '-' or '.' || part[^1] is '-' or '.')
        {
            return false;
        }

        if (part.Contains("--", StringComparison.Ordinal) || part.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in part)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}
