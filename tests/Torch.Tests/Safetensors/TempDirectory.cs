namespace FineTune.Torch.Tests.Safetensors;

/// <summary>A fresh folder under the system temp path, deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Folder = Path.Combine(Path.GetTempPath(), "finetune-st-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public string FilePath(string name)
    {
        return Path.Combine(Folder, name);
    }

    public void Dispose()
    {
        Directory.Delete(Folder, recursive: true);
    }
}
