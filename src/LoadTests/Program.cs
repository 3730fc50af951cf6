using System.Runtime.InteropServices;
using Harness.LoadTests.Cli;

// Run socket completions on the socket engine's own threads instead of queueing each to the
// thread pool: a load generator does little per response, and the hop cost it CPU it shares
// with the server on a small machine (bench/engine-vs-wrk.sh). Read once, before the first
// socket exists; set it to 0 to turn it off.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

// Ctrl+C and SIGTERM (docker stop) end the run cleanly: what was measured is still written.
// A second Ctrl+C ends the process at once.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !stop.IsCancellationRequested;
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

return await LoadTestsApp.RunAsync(args, cancellationToken: stop.Token);
