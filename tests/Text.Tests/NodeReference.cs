using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using FineTune.Testing;

namespace FineTune.Text.Tests;

/// <summary>
/// Runs a node reference script from <c>tools/reference/tokenizer</c>: writes <c>stdin</c>, returns what the script
/// printed. A missing node or node_modules fails the test with the fix (<see cref="InstallHint"/>), never skips.
/// </summary>
internal static class NodeReference
{
    public const string InstallHint = "run `npm ci --prefix tools/reference/tokenizer` (node 20+ must be on PATH)";

    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);

    /// <summary>The folder holding the reference scripts and their <c>node_modules</c>.</summary>
    public static string ToolDirectory => Path.Combine(RepoPaths.RepoRoot, "tools", "reference", "tokenizer");

    /// <summary>
    /// Runs <paramref name="script"/> (a file in <see cref="ToolDirectory"/>) under node with
    /// <paramref name="arguments"/>, writes <paramref name="stdin"/> (UTF-8) and returns its standard output.
    /// </summary>
    /// <param name="name">What the reference is called in failure messages, e.g. <c>tokenizer</c> or <c>Jinja</c>.</param>
    /// <param name="package">The npm package the script needs, e.g. <c>@huggingface/jinja</c>; checked before node starts.</param>
    /// <param name="script">The script's file name, e.g. <c>chat.mjs</c>.</param>
    /// <param name="arguments">The script's command-line arguments.</param>
    /// <param name="stdin">The text written to the script's standard input.</param>
    public static string Run(string name, string package, string script, IReadOnlyList<string> arguments, string stdin)
    {
        string packageJson = Path.Combine(ToolDirectory, "node_modules", package, "package.json");
        Assert.True(File.Exists(packageJson), $"The {name} reference is not installed: {InstallHint}.");

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(ToolDirectory, script));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (Win32Exception ex)
        {
            Assert.Fail($"node could not be started ({ex.Message}): {InstallHint}.");
            throw;
        }

        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
            if (!process.WaitForExit(s_timeout))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"The node {name} reference timed out.");
            }

            Assert.True(process.ExitCode == 0, $"The node {name} reference failed ({InstallHint}?): {stderr.Result}");
            return stdout.Result;
        }
    }
}
