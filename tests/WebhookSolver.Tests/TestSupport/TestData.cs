namespace WebhookSolver.Tests.TestSupport;

/// <summary>Files under tests/WebhookSolver.Tests/testdata, read from the source tree.</summary>
public static class TestData
{
    public static string Directory { get; } = Find();

    public static string PathOf(params string[] parts) => Path.Combine([Directory, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "WebhookSolver.Tests.csproj")))
            {
                return Path.Combine(dir.FullName, "testdata");
            }
        }

        throw new InvalidOperationException("tests/WebhookSolver.Tests not found above " + AppContext.BaseDirectory);
    }
}
