using System.Diagnostics;

namespace FineTune.Cli.Doctor;

/// <summary>Finds external programs (PostgreSQL, node, nvidia-smi) and asks them what they know.</summary>
internal static class ToolProbe
{
    public static ToolStatus Postgres()
    {
        // Debian keeps the server binaries out of PATH, under /usr/lib/postgresql/<major>/bin.
        string? server = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(dir => Path.Combine(dir, "bin", "postgres"))
                .Where(File.Exists)
                .OrderDescending()
                .FirstOrDefault()
            : null;
        server ??= FindOnPath("postgres");
        return server is null ? new ToolStatus(false, null, null) : new ToolStatus(true, Version(server, "--version"), server);
    }

    public static ToolStatus Node()
    {
        string? node = FindOnPath("node");
        return node is null ? new ToolStatus(false, null, null) : new ToolStatus(true, Version(node, "--version"), node);
    }

    /// <summary>
    /// The NVIDIA GPUs on this machine as <c>nvidia-smi -L</c> names them ("GPU 0: ..."), or their device files when
    /// nvidia-smi is missing; empty without an NVIDIA GPU.
    /// </summary>
    public static IReadOnlyList<string> NvidiaGpus()
    {
        string? smi = FindOnPath("nvidia-smi");
        List<string> gpus = smi is null
            ? []
            : (Run(smi, "-L") ?? "").Split('\n', StringSplitOptions.TrimEntries)
                .Where(line => line.StartsWith("GPU ", StringComparison.Ordinal))
                .ToList();
        if (gpus.Count == 0 && Directory.Exists("/dev"))
        {
            gpus = Directory.GetFiles("/dev", "nvidia*")
                .Where(path => Path.GetFileName(path)["nvidia".Length..] is { Length: > 0 } number && number.All(char.IsAsciiDigit))
                .Order()
                .Select(path => $"{path} ({(smi is null ? "nvidia-smi not found" : "nvidia-smi lists no GPU")})")
                .ToList();
        }
        return gpus;
    }

    private static string? FindOnPath(string program)
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
    }

    private static string? Version(string program, string argument) => Run(program, argument)?.Trim() is { Length: > 0 } text ? text : null;

    private static string? Run(string program, string argument)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, argument)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return null;
            }
            string text = process.StandardOutput.ReadToEnd();
            process.WaitForExit(5000);
            return text;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
