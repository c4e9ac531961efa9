using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;

namespace WebhookSolver.Credentials;

/// <summary>
/// Identifies credentials in a cache key without keeping them readable there: a SHA-256 of the access key, the
/// secret and the session token. Two identities share cached state only when all three are equal.
/// </summary>
internal static class CredentialFingerprint
{
    public static string Of(ImmutableCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        var text = $"{credentials.AccessKey}\0{credentials.SecretKey}\0{credentials.Token}";
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
