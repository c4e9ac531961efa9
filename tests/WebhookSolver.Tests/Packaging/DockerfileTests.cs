using System.Globalization;
using System.Text.RegularExpressions;
using WebhookSolver.Hosting;
using WebhookSolver.Tests.Charts;

namespace WebhookSolver.Tests.Packaging;

/// <summary>The image is built the way CI publishes, from pinned bases, and runs without root or a shell.</summary>
public partial class DockerfileTests
{
    private static readonly string Dockerfile = ChartFiles.ReadRepoFile("Dockerfile");

    private static IReadOnlyList<string> Instructions { get; } = Dockerfile.Split('\n')
        .Select(line => line.Trim())
        .Where(line => line.Length > 0 && !line.StartsWith('#'))
        .ToList();

    /// <summary>The instructions of the last stage: what the running image is made of.</summary>
    private static IReadOnlyList<string> FinalStage =>
        Instructions.Skip(Instructions.ToList().FindLastIndex(i => i.StartsWith("FROM ", StringComparison.Ordinal))).ToList();

    [Fact]
    public void TheImageIsBuiltInStagesFromBaseImagesPinnedToFixedVersions()
    {
        var froms = Instructions.Where(i => i.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        froms.Should().HaveCountGreaterThanOrEqualTo(2);
        froms[0].Should().EndWith(" AS build");

        var images = BaseImageArgument().Matches(Dockerfile).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["image"].Value);
        images.Keys.Should().BeEquivalentTo("SDK_IMAGE", "RUNTIME_IMAGE");
        images.Values.Should().OnlyContain(image => FixedVersionTag().IsMatch(image), "floating tags such as 10.0 or latest change under a release");
        images["SDK_IMAGE"].Should().StartWith("mcr.microsoft.com/dotnet/sdk:");
        images["RUNTIME_IMAGE"].Should().StartWith("mcr.microsoft.com/dotnet/runtime-deps:", "a Native AOT executable needs no .NET runtime")
            .And.Contain("chiseled");
    }

    [Fact]
    public void TheRunningImageHasNoShellStepsAndRunsAsTheChartsNonRootUser()
    {
        FinalStage.Should().NotContain(i => i.StartsWith("RUN ", StringComparison.Ordinal), "the chiseled runtime image has no shell");
        var user = FinalStage.Single(i => i.StartsWith("USER ", StringComparison.Ordinal))["USER ".Length..].Split(':');
        user.Should().OnlyContain(id => int.Parse(id, CultureInfo.InvariantCulture) > 0, "Kubernetes can only verify runAsNonRoot for a numeric user");

        var pod = (IReadOnlyDictionary<string, object?>)ChartFiles.Values["podSecurityContext"]!;
        pod["runAsUser"].Should().Be(long.Parse(user[0], CultureInfo.InvariantCulture));
        pod["runAsGroup"].Should().Be(long.Parse(user[1], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void TheEntrypointRunsThePublishedExecutableInExecForm()
    {
        FinalStage.Should().Contain("ENTRYPOINT [\"/app/WebhookSolver\"]");
        var project = ChartFiles.ReadRepoFile("src/WebhookSolver/WebhookSolver.csproj");
        project.Should().Contain("<AssemblyName>WebhookSolver</AssemblyName>");
        project.Should().Contain("<PublishAot>true</PublishAot>", "the entrypoint is the Native AOT executable, not an assembly for dotnet");
        FinalStage.Should().Contain("COPY --from=build /app ./");
    }

    [Fact]
    public void TheSdkRunsOnTheBuildPlatformAndPublishesForTheTargetArchitecture()
    {
        var froms = Instructions.Select((instruction, index) => (instruction, index))
            .Where(i => i.instruction.StartsWith("FROM ", StringComparison.Ordinal)).Select(i => i.index).ToList();
        var build = Instructions.Skip(froms[0]).Take(froms[1] - froms[0]).ToList();
        var from = build[0];

        from.Should().Be("FROM --platform=$BUILDPLATFORM ${SDK_IMAGE} AS build", "a multi-arch build must not run the SDK under emulation");
        build.Should().Contain("ARG TARGETARCH");
        build.Should().Contain(i => i.StartsWith("RUN dotnet restore ", StringComparison.Ordinal)
            && i.EndsWith(" -a \"$TARGETARCH\"", StringComparison.Ordinal),
            "the restore layer restores for the architecture the publish targets");
        build.Should().Contain("RUN bash build/publish.sh /app -a \"$TARGETARCH\"");
        ChartFiles.ReadRepoFile("build/publish.sh").Should().Contain("\"$@\"", "publish.sh passes -a on to dotnet publish");
    }

    [Fact]
    public void TheImageBuildAppliesTheRepositorysStyleRules()
    {
        var copies = Instructions.Where(i => i.StartsWith("COPY ", StringComparison.Ordinal) && !i.Contains("--from", StringComparison.Ordinal)).ToList();

        copies.Should().Contain(i => i.Split(' ').Contains(".editorconfig"), "the build treats .editorconfig's style rules as errors");
        copies.Should().Contain(i => i.Split(' ').Contains("Directory.Build.props"));
        ChartFiles.ReadRepoFile(".dockerignore").Split('\n').Should().NotContain(line => line.Trim() == ".editorconfig" || line.Trim() == ".*");
    }

    [Fact]
    public void TheTroubleshootingPagesDockerRunExampleMountsAwsFilesWhereTheImagesUserLooksForThem()
    {
        var home = FinalStage.Where(i => i.StartsWith("ENV ", StringComparison.Ordinal)).SelectMany(i => i[4..].Split(' '))
            .Single(pair => pair.StartsWith("HOME=", StringComparison.Ordinal))["HOME=".Length..];
        var examples = DockerRun().Matches(ChartFiles.ReadRepoFile("docs/troubleshooting.md"))
            .Select(m => m.Value.Replace("\\\n", " ", StringComparison.Ordinal)).ToList();

        var mounting = examples.Where(e => e.Contains("~/.aws:", StringComparison.Ordinal)).ToList();
        mounting.Should().NotBeEmpty();
        foreach (var example in mounting)
        {
            example.Should().Contain($"~/.aws:{home}/.aws:ro",
                "the SDK reads $HOME/.aws, and the image's user (65532, no passwd entry) has HOME set by the image");
            example.Should().Contain("--user \"$(id -u):$(id -g)\"",
                "~/.aws/credentials is readable by its owner only (0600), so the container runs as that owner");
        }
    }

    [Fact]
    public void TheImagePublishesWithTheSameScriptCiRuns()
    {
        Instructions.Should().Contain("RUN bash build/publish.sh /app -a \"$TARGETARCH\"");
        ChartFiles.ReadRepoFile("build/publish.sh").Should().Contain("dotnet publish src/WebhookSolver/WebhookSolver.csproj");
        ChartFiles.ReadRepoFile(".ci/checks/publish.sh").Should().Contain("bash build/publish.sh \"$out\"");
    }

    [Fact]
    public void TheBuildStageAndCiInstallTheNativeToolchainWithTheSameScript()
    {
        var build = Instructions.Take(Instructions.ToList().FindLastIndex(i => i.StartsWith("FROM ", StringComparison.Ordinal))).ToList();
        var install = build.FindIndex(i => i.StartsWith("RUN bash build/aot-prerequisites.sh \"$TARGETARCH\"", StringComparison.Ordinal));
        install.Should().BePositive("Native AOT links with clang, which the SDK image lacks");
        install.Should().BeLessThan(build.FindIndex(i => i.StartsWith("RUN bash build/publish.sh", StringComparison.Ordinal)));
        build.Should().Contain("COPY build/aot-prerequisites.sh build/");

        var script = ChartFiles.ReadRepoFile("build/aot-prerequisites.sh");
        script.Should().Contain("packages=(clang llvm zlib1g-dev)");
        script.Should().Contain("\"zlib1g-dev:arm64\"", "an arm64 image cross-compiled on amd64 links against arm64's zlib");
        ChartFiles.ReadRepoFile(".ci/checks/publish.sh").Should().Contain("bash build/aot-prerequisites.sh");
    }

    [Fact]
    public void TheExposedPortsAreTheServersDefaults()
    {
        var exposed = FinalStage.Single(i => i.StartsWith("EXPOSE ", StringComparison.Ordinal))["EXPOSE ".Length..].Split(' ');

        exposed.Should().BeEquivalentTo(
            CommandLine.Flags.Single(f => f.Name == "secure-port").Default,
            CommandLine.Flags.Single(f => f.Name == "metrics-port").Default);
    }

    [GeneratedRegex(@"docker run (?:[^\n]*\\\n)*[^\n]*")]
    private static partial Regex DockerRun();

    [GeneratedRegex(@"^ARG (?<name>\w+_IMAGE)=(?<image>\S+)$", RegexOptions.Multiline)]
    private static partial Regex BaseImageArgument();

    [GeneratedRegex(@":\d+\.\d+\.\d+(-[a-z0-9.-]+)?(@sha256:[a-f0-9]{64})?$")]
    private static partial Regex FixedVersionTag();
}
