using System.Reflection;
using System.Xml.Linq;
using FineTune.Testing;

namespace FineTune.Api.Tests;

/// <summary>
/// The API host must not carry libtorch (issue 16): it references only Torch-free projects and Persistence, so neither
/// FineTune.Torch, FineTune.Training nor the native shim reach its references or its output folder.
/// </summary>
public class TorchFreeApiTests
{
    private static readonly string[] s_forbiddenAssemblies = ["FineTune.Torch", "FineTune.Training"];
    private static readonly string[] s_forbiddenProjects = ["Torch.csproj", "Training.csproj"];

    [Fact]
    public void ApiAssembly_ReferencesNoTorchAssembly_Transitively()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<Assembly>([typeof(Program).Assembly]);
        while (pending.TryPop(out Assembly? assembly))
        {
            foreach (AssemblyName reference in assembly.GetReferencedAssemblies())
            {
                string name = reference.Name!;
                Assert.DoesNotContain(name, s_forbiddenAssemblies);
                if (name.StartsWith("FineTune.", StringComparison.Ordinal) && seen.Add(name))
                {
                    pending.Push(Assembly.Load(reference));
                }
            }
        }
        Assert.Contains("FineTune.Contracts", seen);
    }

    [Fact]
    public void ApiOutput_HoldsNoLibtorch()
    {
        // This test project references only src/Api, so its output folder is the API's dependency closure.
        string[] files = Directory.GetFiles(AppContext.BaseDirectory, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToArray()!;
        Assert.Contains("FineTune.Api.dll", files);
        Assert.DoesNotContain(files, file => file.StartsWith("libtorch", StringComparison.Ordinal));
        Assert.DoesNotContain(files, file => s_forbiddenAssemblies.Any(name => file == name + ".dll"));
    }

    [Fact]
    public void ApiProject_ReferencesNoTorchProject_Transitively()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.Combine(RepoPaths.RepoRoot, "src", "Api", "Api.csproj")]);
        while (pending.TryPop(out string? project))
        {
            foreach (string include in XDocument.Load(project).Descendants("ProjectReference").Select(r => (string)r.Attribute("Include")!))
            {
                string referenced = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, include));
                Assert.DoesNotContain(Path.GetFileName(referenced), s_forbiddenProjects);
                if (seen.Add(referenced))
                {
                    pending.Push(referenced);
                }
            }
        }
        Assert.NotEmpty(seen);
    }
}
