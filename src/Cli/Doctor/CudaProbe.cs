using FineTune.Torch;

namespace FineTune.Cli.Doctor;

/// <summary>Lists the CUDA devices libtorch can use; a CPU build of libtorch simply has none.</summary>
internal static class CudaProbe
{
    public static IReadOnlyList<CudaDeviceInfo> Devices()
    {
        if (!torch.cuda.is_available())
        {
            return [];
        }
        return Enumerable.Range(0, torch.cuda.device_count())
            .Select(i =>
            {
                var (name, total) = torch.cuda.get_device_info(i);
                return new CudaDeviceInfo(i, name, total);
            })
            .ToList();
    }
}
