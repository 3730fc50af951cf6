using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TargetApp.Apis;
using TargetApp.Diagnostics;
using TargetApp.Options;

namespace TargetApp.Aggregation;

/// <summary>
/// One call to the downstream's <c>/api/</c>, in two flavours: asynchronous, and synchronous
/// (<see cref="HttpClient.Send(HttpRequestMessage, CancellationToken)"/>, which holds the calling
/// thread until the answer arrives). Failures become <see cref="FanOutItem"/> errors; only the
/// caller's own cancellation is thrown.
/// </summary>
public sealed partial class DownstreamClient(
    IHttpClientFactory httpClientFactory,
    DownstreamAddress address,
    IOptions<DownstreamOptions> options,
    TargetAppTelemetry telemetry,
    ILogger<DownstreamClient> logger)
{
    public const string HttpClientName = "downstream";

    private TimeSpan Timeout => options.Value.Timeout;

    public async Task<FanOutItem> FetchAsync(AggregationMode mode, int index, FanOutRequest request, CancellationToken cancellationToken)
    {
        using var timeout = StartTimeout(cancellationToken);
        try
        {
            using var response = await httpClientFactory.CreateClient(HttpClientName)
                .GetAsync(address.For(index, request), timeout.Token).ConfigureAwait(false);
            var reply = response.IsSuccessStatusCode
                ? await response.Content.ReadFromJsonAsync(TargetAppJsonContext.Default.HelloReply, timeout.Token).ConfigureAwait(false)
                : null;
            return Interpret(mode, index, response, reply);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Failure(mode, index, ex);
        }
        catch (OperationCanceledException)
        {
            telemetry.DownstreamCallCompleted(mode, "canceled");
            throw;
        }
    }

    /// <summary>Blocks the calling thread for the whole call: synchronous socket I/O, on purpose.</summary>
    public FanOutItem Fetch(AggregationMode mode, int index, FanOutRequest request, CancellationToken cancellationToken)
    {
        using var blocked = telemetry.Blocking(mode, "sync_io");
        using var timeout = StartTimeout(cancellationToken);
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, address.For(index, request));
            using var response = httpClientFactory.CreateClient(HttpClientName).Send(message, timeout.Token);
            HelloReply? reply = null;
            if (response.IsSuccessStatusCode)
            {
                using var body = response.Content.ReadAsStream(timeout.Token);
                reply = JsonSerializer.Deserialize(body, TargetAppJsonContext.Default.HelloReply);
            }

            return Interpret(mode, index, response, reply);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Failure(mode, index, ex);
        }
        catch (OperationCanceledException)
        {
            telemetry.DownstreamCallCompleted(mode, "canceled");
            throw;
        }
    }

    private CancellationTokenSource StartTimeout(CancellationToken cancellationToken)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        return timeout;
    }

    private FanOutItem Interpret(AggregationMode mode, int index, HttpResponseMessage response, HelloReply? reply)
    {
        if (!response.IsSuccessStatusCode)
        {
            return Failed(mode, index, "error", "bad_status", $"downstream answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        if (reply is null || reply.Message is null)
        {
            return Failed(mode, index, "error", "bad_response", "downstream answered 200 without a message");
        }

        telemetry.DownstreamCallCompleted(mode, "ok");
        return new FanOutItem(reply.Message, reply.TaskId);
    }

    private FanOutItem Failure(AggregationMode mode, int index, Exception ex) => ex switch
    {
        OperationCanceledException => Failed(mode, index, "timeout", "timeout", $"no answer within {Timeout.TotalSeconds:0.###} s"),
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } http =>
            Failed(mode, index, "error", "unreachable", Innermost(http)),

        // Connected, then the connection was cut before a whole answer arrived.
        HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } or HttpRequestException { InnerException: IOException } =>
            Failed(mode, index, "error", "dropped", Innermost(ex)),
        HttpRequestException http => Failed(mode, index, "error", "failed", Innermost(http)),
        JsonException json => Failed(mode, index, "error", "bad_response", json.Message),
        _ => Failed(mode, index, "error", "failed", ex.Message),
    };

    private static string Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex.Message;

    private FanOutItem Failed(AggregationMode mode, int index, string outcome, string error, string detail)
    {
        telemetry.DownstreamCallCompleted(mode, outcome);
        LogCallFailed(logger, mode.Tag(), index, error, detail);
        return new FanOutItem(null, index.ToString(System.Globalization.CultureInfo.InvariantCulture), error, detail);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Downstream call {Index} in mode {Mode} failed: {Error} ({Detail})")]
    private static partial void LogCallFailed(ILogger logger, string mode, int index, string error, string detail);
}
