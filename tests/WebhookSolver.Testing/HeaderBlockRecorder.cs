using System.Net;
using System.Net.Sockets;
using System.Text;

namespace WebhookSolver.Testing;

/// <summary>
/// A TCP relay on loopback in front of a fake service that keeps every byte a client sent, so a test can read the
/// HTTP/1.1 header blocks exactly as they crossed the wire (HttpClient and Kestrel would hide a smuggled header).
/// </summary>
internal sealed class HeaderBlockRecorder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<MemoryStream> _connections = [];
    private readonly Task _accepting;

    public HeaderBlockRecorder(Uri target)
    {
        _target = target;
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    /// <summary>Where clients connect instead of the fake.</summary>
    public Uri Address { get; }

    /// <summary>Every request's header block (request line to the empty line, CRLFs included) in arrival order per connection.</summary>
    public IReadOnlyList<byte[]> HeaderBlocks()
    {
        var blocks = new List<byte[]>();
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                blocks.AddRange(Split(connection.ToArray()));
            }
        }

        return blocks;
    }

    /// <summary>Splits a connection's bytes into header blocks, skipping each body by its Content-Length.</summary>
    private static IEnumerable<byte[]> Split(byte[] bytes)
    {
        var position = 0;
        while (position < bytes.Length)
        {
            var end = bytes.AsSpan(position).IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                yield return bytes[position..];
                yield break;
            }

            var block = bytes[position..(position + end + 4)];
            yield return block;
            var length = 0;
            foreach (var line in Encoding.Latin1.GetString(block).Split("\r\n"))
            {
                if (line.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase))
                {
                    _ = int.TryParse(line["content-length:".Length..].Trim(), out length);
                }
            }

            position += end + 4 + length;
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        var record = new MemoryStream();
        lock (_connections)
        {
            _connections.Add(record);
        }

        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(_target.Host, _target.Port, _stop.Token);
                var fromClient = CopyAsync(client.GetStream(), upstream.GetStream(), record);
                var fromServer = CopyAsync(upstream.GetStream(), client.GetStream(), null);
                await Task.WhenAny(fromClient, fromServer);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
            }
        }
    }

    private async Task CopyAsync(NetworkStream from, NetworkStream to, MemoryStream? record)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            if (record is not null)
            {
                lock (_connections)
                {
                    record.Write(buffer, 0, read);
                }
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
