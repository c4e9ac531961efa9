using System.Text;

namespace WebhookSolver.Testing;

/// <summary>A temporary working directory, removed afterwards.</summary>
internal sealed class WorkingDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("workdir-").FullName;

    public string Write(string name, string content)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
