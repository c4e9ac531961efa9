using Microsoft.Extensions.Options;
using WebhookSolver.Route53;

namespace WebhookSolver.Hosting;

/// <summary>
/// The two nested deadlines agree: Route53's work for one challenge (<c>Route53:Deadline</c>, which also ends the
/// INSYNC wait of <c>--route53-wait-for-insync</c>) ends before the challenge's own <c>--challenge-timeout</c>, so a
/// slow Route53 is answered with its own message rather than the generic time-out.
/// </summary>
internal sealed class DeadlineValidator(IOptions<Route53Options> route53) : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        TimeSpan deadline;
        try
        {
            deadline = route53.Value.Deadline;
        }
        catch (OptionsValidationException)
        {
            // Route53's own settings are wrong: its validation reports them, beside this one's.
            return ValidateOptionsResult.Skip;
        }

        return deadline < options.ChallengeTimeout
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"--challenge-timeout ({options.ChallengeTimeout.TotalSeconds:0.###}s) must be longer than Route53:Deadline " +
                $"({deadline.TotalSeconds:0.###}s), which bounds the Route53 work of each challenge");
    }
}
