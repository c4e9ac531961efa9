namespace WebhookSolver.Testing;

/// <summary>What a run of the server printed, and how it ended.</summary>
internal sealed record ServerRun(int ExitCode, string Output, string Errors)
{
    /// <summary>Standard output and standard error, as a terminal shows them.</summary>
    public string All => Output + Errors;

    public IReadOnlyList<string> ErrorLines => Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
