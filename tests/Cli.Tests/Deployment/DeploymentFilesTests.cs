using FineTune.Testing;
using YamlDotNet.RepresentationModel;

namespace FineTune.Cli.Tests.Deployment;

/// <summary>
/// CI has no Docker engine, so Dockerfile, Dockerfile.gpu, docker-compose.yml and .dockerignore are checked here
/// statically, so that they cannot rot unseen: every base image is one known to exist, the runtime stages run the Api
/// and Worker hosts on the official ASP.NET Core runtime (no SDK, no compiler, no Postgres server in them), compose runs
/// Postgres apart with healthchecks, and local secrets and build outputs stay out of the build context.
/// </summary>
public sealed class DeploymentFilesTests
{
    /// <summary>
    /// Images known to be published. .NET 10 ships Ubuntu 24.04 images (10.0 = 10.0-noble) and no Debian ones, so a
    /// tag such as sdk:10.0-bookworm-slim does not exist. Add a tag here only after checking that its registry has it.
    /// </summary>
    private static readonly HashSet<string> s_publishedImages =
    [
        "mcr.microsoft.com/dotnet/sdk:10.0",
        "mcr.microsoft.com/dotnet/sdk:10.0-noble",
        "mcr.microsoft.com/dotnet/aspnet:10.0",
        "mcr.microsoft.com/dotnet/aspnet:10.0-noble",
        "nvidia/cuda:13.0.0-cudnn-devel-ubuntu24.04",
        "nvidia/cuda:13.0.0-cudnn-runtime-ubuntu24.04",
        "postgres:16",
        "postgres:17",
    ];

    private const string AspNetRuntime = "mcr.microsoft.com/dotnet/aspnet:10.0";

    private static string RepoFile(string name) => Path.Combine(RepoPaths.RepoRoot, name);

    [Theory]
    [InlineData("Dockerfile")]
    [InlineData("Dockerfile.gpu")]
    public void Dockerfiles_PullOnlyPublishedImages(string file)
    {
        DockerfileModel dockerfile = DockerfileModel.Read(RepoFile(file));

        Assert.All(dockerfile.ExternalImages(), image => Assert.Contains(image, s_publishedImages));
    }

    [Fact]
    public void Dockerfile_ApiAndWorkerTargetsRunTheirOwnHostsOnTheAspNetRuntime()
    {
        DockerfileModel dockerfile = DockerfileModel.Read(RepoFile("Dockerfile"));

        AssertRunsHost(dockerfile, "api", "FineTune.Api.dll", "src/Api/Api.csproj");
        AssertRunsHost(dockerfile, "worker", "FineTune.Worker.dll", "src/Worker/Worker.csproj");
        foreach (string target in new[] { "api", "worker", "cli" })
        {
            DockerStage stage = dockerfile.Stage(target)!;
            Assert.Equal(AspNetRuntime, dockerfile.RootImage(stage));
            AssertBuildsNothing(dockerfile, stage);
        }
        // A plain `docker build .` (no --target) builds the last stage: a host, never the build stage.
        Assert.Equal("worker", dockerfile.Stages[^1].Name);
    }

    [Theory]
    [InlineData("worker")]
    [InlineData("cli")]
    public void Dockerfile_HostsThatTrainOnTheCpu_SetGlibcHugePagesAsTheLauncherDoes(string target)
    {
        DockerfileModel dockerfile = DockerfileModel.Read(RepoFile("Dockerfile"));

        IEnumerable<string> settings = dockerfile.Lineage(dockerfile.Stage(target)!)
            .SelectMany(stage => stage.All("ENV"))
            .SelectMany(arguments => arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Contains("GLIBC_TUNABLES=glibc.malloc.hugetlb=1", settings);
    }

    [Fact]
    public void DockerfileGpu_WorkerRunsTheWorkerHostOnARuntimeImageWithTheAspNetRuntime()
    {
        DockerfileModel dockerfile = DockerfileModel.Read(RepoFile("Dockerfile.gpu"));

        DockerStage worker = AssertRunsHost(dockerfile, "worker", "FineTune.Worker.dll", "src/Worker/Worker.csproj");
        Assert.Contains("-runtime-", dockerfile.RootImage(worker), StringComparison.Ordinal);
        Assert.Contains(AspNetRuntime, worker.CopySources());
        AssertBuildsNothing(dockerfile, worker);
        Assert.Same(worker, dockerfile.Stages[^1]);
    }

    [Fact]
    public void Compose_RunsPostgresApartAndWaitsOnHealthchecks()
    {
        YamlMappingNode services = Mapping(LoadCompose(), "services");

        YamlMappingNode postgres = Mapping(services, "postgres");
        Assert.StartsWith("postgres:", Scalar(postgres, "image"), StringComparison.Ordinal);
        Assert.Contains("pg_isready", Flatten(Mapping(postgres, "healthcheck")["test"]), StringComparison.Ordinal);

        YamlMappingNode api = Mapping(services, "api");
        Assert.Contains("/readyz", Flatten(Mapping(api, "healthcheck")["test"]), StringComparison.Ordinal);
        Assert.Equal("service_healthy", Scalar(Mapping(Mapping(api, "depends_on"), "postgres"), "condition"));

        // Workers start once the API has migrated the schema and answers /readyz.
        Assert.Equal("service_healthy", Scalar(Mapping(Mapping(Mapping(services, "worker"), "depends_on"), "api"), "condition"));
        Assert.Equal("service_healthy", Scalar(Mapping(Mapping(Mapping(services, "gpu-worker"), "depends_on"), "api"), "condition"));
    }

    [Fact]
    public void Compose_BuildsEveryServiceFromAnExistingDockerfileTarget()
    {
        YamlMappingNode services = Mapping(LoadCompose(), "services");
        var built = new List<string>();
        foreach ((YamlNode name, YamlNode service) in services.Children)
        {
            if (((YamlMappingNode)service).Children.TryGetValue(new YamlScalarNode("build"), out YamlNode? build))
            {
                var buildMapping = (YamlMappingNode)build;
                string file = Scalar(buildMapping, "dockerfile");
                string target = Scalar(buildMapping, "target");
                Assert.True(DockerfileModel.Read(RepoFile(file)).Stage(target) is not null, $"{name}: {file} has no stage '{target}'");
                built.Add(((YamlScalarNode)name).Value!);
            }
        }
        Assert.Equal(["api", "worker", "gpu-worker", "cli"], built);
    }

    [Fact]
    public void DockerIgnore_KeepsSecretsLocalDataAndBuildOutputsOutOfTheContext()
    {
        string[] entries = File.ReadAllLines(RepoFile(".dockerignore"))
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .ToArray();

        // .finetune holds the default tenant's API key, .pgdata a private Postgres cluster.
        foreach (string required in new[] { ".finetune/", ".pgdata/", "**/bin/", "**/obj/", "**/node_modules/", "artifacts/" })
        {
            Assert.Contains(required, entries);
        }
        Assert.DoesNotContain(entries, entry => entry.StartsWith('!'));
    }

    /// <summary>The stage exists, publishes the host's project and its entry point runs the host's assembly.</summary>
    private static DockerStage AssertRunsHost(DockerfileModel dockerfile, string target, string assembly, string project)
    {
        DockerStage stage = dockerfile.Stage(target) ?? throw new Xunit.Sdk.XunitException($"no stage '{target}'");
        string entryPoint = Assert.Single(dockerfile.Lineage(stage).SelectMany(s => s.All("ENTRYPOINT")).Take(1));
        Assert.Contains($"\"{assembly}\"", entryPoint, StringComparison.Ordinal);
        Assert.Contains(dockerfile.Stages.SelectMany(s => s.All("RUN")), run => run.Contains($"dotnet publish {project}", StringComparison.Ordinal));
        Assert.True(File.Exists(RepoFile(project)), $"{project} does not exist");
        return stage;
    }

    /// <summary>No SDK, compiler or database server is installed in a runtime stage or the stages it is built on.</summary>
    private static void AssertBuildsNothing(DockerfileModel dockerfile, DockerStage stage)
    {
        foreach (DockerStage layer in dockerfile.Lineage(stage))
        {
            Assert.DoesNotContain("/sdk:", dockerfile.RootImage(layer), StringComparison.Ordinal);
            Assert.DoesNotContain("-devel-", dockerfile.RootImage(layer), StringComparison.Ordinal);
            foreach (string run in layer.All("RUN"))
            {
                foreach (string forbidden in new[] { "dotnet publish", "dotnet build", "dotnet-install", "cmake", "g++", "postgresql" })
                {
                    Assert.DoesNotContain(forbidden, run, StringComparison.Ordinal);
                }
                if (run.Contains("install-deps.sh", StringComparison.Ordinal))
                {
                    Assert.Contains("install-deps.sh --runtime", run, StringComparison.Ordinal);
                }
            }
        }
    }

    private static YamlMappingNode LoadCompose()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(RepoFile("docker-compose.yml")))
        {
            yaml.Load(reader);
        }
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static YamlMappingNode Mapping(YamlMappingNode parent, string key) =>
        parent.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? node) && node is YamlMappingNode mapping
            ? mapping
            : throw new Xunit.Sdk.XunitException($"docker-compose.yml: no mapping '{key}'");

    private static string Scalar(YamlMappingNode parent, string key) =>
        parent.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? node) && node is YamlScalarNode { Value: string value }
            ? value
            : throw new Xunit.Sdk.XunitException($"docker-compose.yml: no value '{key}'");

    /// <summary>A scalar, or a sequence's items joined by spaces (a healthcheck's test may be either).</summary>
    private static string Flatten(YamlNode node) => node switch
    {
        YamlScalarNode scalar => scalar.Value ?? "",
        YamlSequenceNode sequence => string.Join(' ', sequence.Children.Select(Flatten)),
        _ => "",
    };
}
