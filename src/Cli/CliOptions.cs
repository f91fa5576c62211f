using System.CommandLine;
using FineTune.Torch;

namespace FineTune.Cli;

/// <summary>Options several commands share, and parsers for their values.</summary>
internal static class CliOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print the result as JSON" };

    public static Option<string> Device() => new("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };

    public static Option<string> DType() => new("--dtype") { Description = "f32, bf16 or f16 (weights)", DefaultValueFactory = _ => "f32" };

    public static ScalarType ParseDType(string text)
    {
        return text.ToLowerInvariant() switch
        {
            "f32" or "float32" or "fp32" => ScalarType.Float32,
            "bf16" or "bfloat16" => ScalarType.BFloat16,
            "f16" or "float16" or "fp16" => ScalarType.Float16,
            _ => throw new ArgumentException($"--dtype '{text}' is not one of f32, bf16, f16"),
        };
    }

    /// <summary>The repository root when the CLI runs from a checkout (finds shared assets); null when installed alone.</summary>
    public static string? RepoRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FineTune.sln")))
            {
                return directory.FullName;
            }
        }
        return null;
    }
}
