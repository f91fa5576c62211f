using System.Globalization;
using System.Text;

namespace FineTune.Persistence.Delivery;

/// <summary>
/// Names the Hangfire queue of a job: its backend and its memory class, e.g. <c>cuda_24g</c>. A worker listens only to
/// the queues of its backends whose class is at most the memory it offers per job, so Hangfire never hands a job to a
/// GPU it cannot fit: a job needing 20 GiB goes to <c>cuda_24g</c>, which a 24, 40 or 80 GiB GPU serves and a 16 GiB
/// one does not. The classes follow common GPU sizes; a job is rounded up to the next class, so a GPU whose memory
/// lies between two classes serves only the lower one (an H200's 141 GiB serves up to <c>_128g</c>).
/// </summary>
public static class HangfireQueues
{
    /// <summary>The memory classes in GiB, ascending.</summary>
    public static IReadOnlyList<int> ClassesGiB { get; } = [1, 2, 4, 6, 8, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 192, 256, 384, 512];

    /// <summary>The queue of a job of <paramref name="backend"/> that needs <paramref name="requiredMemoryBytes"/>.</summary>
    public static string For(string backend, long requiredMemoryBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requiredMemoryBytes);
        string prefix = BackendPart(backend);
        foreach (int gib in ClassesGiB)
        {
            if (requiredMemoryBytes <= (long)gib << 30)
            {
                return Name(prefix, gib);
            }
        }
        // Larger than every class: no worker listens here, as no worker could run it; the API warns at submit.
        return prefix + "_oversized";
    }

    /// <summary>The queues a worker offering <paramref name="backends"/> and <paramref name="memoryBytes"/> per job
    /// serves, the largest class of each backend first.</summary>
    public static string[] Served(IEnumerable<string> backends, long memoryBytes)
    {
        ArgumentNullException.ThrowIfNull(backends);
        return backends
            .Select(BackendPart)
            .SelectMany(prefix => ClassesGiB.Where(gib => ((long)gib << 30) <= memoryBytes).Reverse().Select(gib => Name(prefix, gib)))
            .ToArray();
    }

    /// <summary>
    /// A backend as a queue-name part: Hangfire queue names are lowercase letters, digits and underscores, and the
    /// <c>libtorch-</c> prefix that every backend shares is dropped (<c>libtorch-cuda</c> → <c>cuda</c>).
    /// </summary>
    public static string BackendPart(string backend)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(backend);
        string name = backend.StartsWith("libtorch-", StringComparison.Ordinal) ? backend["libtorch-".Length..] : backend;
        var part = new StringBuilder(name.Length);
        foreach (char c in name.ToLowerInvariant())
        {
            part.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '_');
        }
        return part.ToString();
    }

    private static string Name(string prefix, int gib)
    {
        return string.Create(CultureInfo.InvariantCulture, $"{prefix}_{gib}g");
    }
}
