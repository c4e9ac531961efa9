using System.Text.Json.Nodes;

namespace WebhookSolver.Challenges;

/// <summary>
/// The solver's <c>config</c> object for the OpenAPI document: the protocol passes it through untouched, so only the
/// solver can say what it holds. Registered by the solver; without one <c>config</c> is described as any object.
/// </summary>
/// <param name="Example">a config that the solver accepts as it stands</param>
internal sealed record SolverConfigDescription(string Description, IReadOnlyList<ConfigField> Fields, JsonObject Example);

/// <param name="Type"><c>string</c>, <c>object</c> (with <paramref name="Fields"/>) or <c>array</c> (of strings)</param>
internal sealed record ConfigField(string Name, string Description, string Type = "string", IReadOnlyList<ConfigField>? Fields = null);
