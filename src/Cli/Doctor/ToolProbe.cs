using System.Diagnostics;

namespace FineTune.Cli.Doctor;

/// <summary>Finds external programs (PostgreSQL, node) and asks them for their version.</summary>
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

    private static string? FindOnPath(string program)
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
    }

    private static string? Version(string program, string argument)
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
            string text = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit(5000);
            return text.Length == 0 ? null : text;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
