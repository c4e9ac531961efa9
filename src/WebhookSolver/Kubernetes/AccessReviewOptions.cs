namespace WebhookSolver.Kubernetes;

/// <summary>How <see cref="AccessReviewer"/> reuses SubjectAccessReview answers.</summary>
internal sealed class AccessReviewOptions
{
    /// <summary>How long an answer, allowed or denied, is reused (0: not cached).</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(10);
}
