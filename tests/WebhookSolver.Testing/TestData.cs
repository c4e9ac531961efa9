namespace WebhookSolver.Testing;

/// <summary>Files of the source tree: the repository and tests/WebhookSolver.Tests/testdata.</summary>
internal static class TestData
{
    /// <summary>The folder holding WebhookSolver.sln.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Directory { get; } = Path.Combine(RepositoryRoot, "tests", "WebhookSolver.Tests", "testdata");

    public static string PathOf(params string[] parts) => Path.Combine([Directory, .. parts]);

    public static string RepositoryFile(string relativePath) => Path.Combine(RepositoryRoot, relativePath);

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "WebhookSolver.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("WebhookSolver.sln not found above " + AppContext.BaseDirectory);
    }
}
