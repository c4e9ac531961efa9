using Microsoft.Extensions.Options;
using WebhookSolver.Credentials;

namespace WebhookSolver.Route53;

/// <summary>
/// One GetChange poller per Route53 change, shared by everyone waiting for it: a batch of a hundred challenges
/// polls once every <see cref="Route53Options.InsyncPollInterval"/>, not a hundred times. The poller stops at INSYNC,
/// on a permanent error, or when its last waiter leaves.
/// </summary>
internal sealed class ChangeWatcher(Route53Client client, IOptions<Route53Options> options, TimeProvider time)
{
    private sealed class Poll : IDisposable
    {
        public int Waiters;
        public bool Done;
        public readonly TaskCompletionSource Insync = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly CancellationTokenSource Stop = new();

        public void Dispose() => Stop.Dispose();
    }

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Poll> _polls = new(StringComparer.Ordinal);

    /// <summary>Number of pollers running (for tests and diagnostics).</summary>
    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _polls.Count;
            }
        }
    }

    /// <summary>Returns at INSYNC; throws the Route53 error when the status cannot be read, or when <paramref name="cancellationToken"/> ends the
    /// wait.</summary>
    public async Task WaitForInsyncAsync(AwsIdentity identity, string changeId, CancellationToken cancellationToken)
    {
        Poll poll;
        var start = false;
        lock (_lock)
        {
            if (!_polls.TryGetValue(changeId, out poll!))
            {
                poll = new Poll();
                _polls[changeId] = poll;
                start = true;
            }

            poll.Waiters++;
        }

        if (start)
        {
            _ = Task.Run(() => PollAsync(identity, changeId, poll), CancellationToken.None);
        }

        try
        {
            await poll.Insync.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            lock (_lock)
            {
                if (--poll.Waiters == 0 && !poll.Done)
                {
                    Finish(changeId, poll);
                    poll.Stop.Cancel();
                }
            }
        }
    }

    private async Task PollAsync(AwsIdentity identity, string changeId, Poll poll)
    {
        var interval = options.Value.InsyncPollInterval;
        try
        {
            while (true)
            {
                var change = await client.GetChangeAsync(identity, changeId, poll.Stop.Token);
                if (change.IsInsync)
                {
                    poll.Insync.TrySetResult();
                    return;
                }

                await Task.Delay(interval, time, poll.Stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            poll.Insync.TrySetCanceled(CancellationToken.None);
        }
        catch (Exception e)
        {
            poll.Insync.TrySetException(e);
        }
        finally
        {
            lock (_lock)
            {
                if (!poll.Done)
                {
                    Finish(changeId, poll);
                }

                poll.Dispose();
            }
        }
    }

    /// <summary>Under the lock: a finished poller is no longer found, so a later waiter asks again.</summary>
    private void Finish(string changeId, Poll poll)
    {
        poll.Done = true;
        if (_polls.TryGetValue(changeId, out var current) && ReferenceEquals(current, poll))
        {
            _polls.Remove(changeId);
        }
    }
}
