namespace WebhookSolver.Testing;

/// <summary>Waits on real time for something a background loop does, for tests that cannot await it directly.</summary>
internal static class Poll
{
    /// <summary>Checks <paramref name="condition"/> every 20 ms; throws once <paramref name="patience"/> has passed without it.</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan patience, string because = "")
    {
        var deadline = DateTime.UtcNow + patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the condition did not hold within {patience.TotalSeconds}s {because}");
            }

            await Task.Delay(20);
        }
    }
}
