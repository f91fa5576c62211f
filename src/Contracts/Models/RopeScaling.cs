using System.Text.Json;

namespace FineTune.Contracts.Models;

/// <summary>
/// <c>rope_scaling</c> from config.json. <c>linear</c> divides every frequency by Factor (position interpolation);
/// <c>llama3</c> divides only the low frequencies, keeps the high ones and blends in between (Llama 3.1's scheme).
/// </summary>
/// <param name="Type">linear or llama3.</param>
/// <param name="Factor">Context extension factor.</param>
/// <param name="LowFreqFactor">llama3: wavelengths above original_max / this are fully scaled.</param>
/// <param name="HighFreqFactor">llama3: wavelengths below original_max / this are kept.</param>
/// <param name="OriginalMaxPositionEmbeddings">llama3: the context length before extension.</param>
public sealed record RopeScaling(string Type, double Factor, double LowFreqFactor = 1, double HighFreqFactor = 4, int OriginalMaxPositionEmbeddings = 8192)
{
    /// <summary>Parses the object (null JSON means no scaling); unsupported types are errors naming them.</summary>
    public static RopeScaling? FromJson(JsonElement json, string source)
    {
        if (json.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        string type = json.TryGetProperty("rope_type", out JsonElement ropeType) ? ropeType.GetString() ?? ""
            : json.TryGetProperty("type", out JsonElement legacyType) ? legacyType.GetString() ?? "" : "";
        double factor = json.TryGetProperty("factor", out JsonElement f) ? f.GetDouble() : 1;
        return type switch
        {
            "default" => null,
            "linear" => new RopeScaling(type, factor),
            "llama3" => new RopeScaling(
                type,
                factor,
                json.GetProperty("low_freq_factor").GetDouble(),
                json.GetProperty("high_freq_factor").GetDouble(),
                json.GetProperty("original_max_position_embeddings").GetInt32()),
            _ => throw new ModelFormatException($"{source}: unsupported rope_scaling type '{type}'; supported: linear, llama3"),
        };
    }

    /// <summary>Applies the scaling to RoPE inverse frequencies (radians per position).</summary>
    public double[] Apply(double[] inverseFrequencies)
    {
        ArgumentNullException.ThrowIfNull(inverseFrequencies);
        if (Type == "linear")
        {
            return inverseFrequencies.Select(f => f / Factor).ToArray();
        }
        double lowFreqWavelength = OriginalMaxPositionEmbeddings / LowFreqFactor;
        double highFreqWavelength = OriginalMaxPositionEmbeddings / HighFreqFactor;
        return inverseFrequencies.Select(frequency =>
        {
            double wavelength = 2 * Math.PI / frequency;
            if (wavelength < highFreqWavelength)
            {
                return frequency;
            }
            if (wavelength > lowFreqWavelength)
            {
                return frequency / Factor;
            }
            double smooth = ((OriginalMaxPositionEmbeddings / wavelength) - LowFreqFactor) / (HighFreqFactor - LowFreqFactor);
            return ((1 - smooth) * frequency / Factor) + (smooth * frequency);
        }).ToArray();
    }
}
