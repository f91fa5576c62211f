using FineTune.HuggingFace;

namespace FineTune.Cli;

/// <summary>Turns <c>--model</c> into a local folder: a folder as is, an <c>org/name</c> id via the hub cache.</summary>
internal static class ModelSource
{
    public static string Resolve(string modelOrPath, CancellationToken cancellationToken)
    {
        if (Directory.Exists(modelOrPath))
        {
            return Path.GetFullPath(modelOrPath);
        }
        return HubModelResolver.ResolveAsync(modelOrPath, HubOptions.FromEnvironment(), cancellationToken).GetAwaiter().GetResult();
    }
}
