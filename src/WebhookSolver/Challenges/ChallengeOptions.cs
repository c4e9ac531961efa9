namespace WebhookSolver.Challenges;

/// <summary>
/// What the protocol endpoints need of the server's settings; the host fills it from its own options, so the
/// flags and configuration keys stay where they are.
/// </summary>
internal sealed class ChallengeOptions
{
    /// <summary>The API group the solver is served under (the group name in force).</summary>
    public string GroupName { get; set; } = "";

    public string SolverName { get; set; } = "route53";

    /// <summary>How long one Present or CleanUp may take before it is answered as failed.</summary>
    public TimeSpan ChallengeTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>Local mode: the OpenAPI document and Swagger UI are served.</summary>
    public bool ServeOpenApi { get; set; }
}
