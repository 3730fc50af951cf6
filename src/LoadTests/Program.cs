using System.Runtime.InteropServices;
using Harness.LoadTests.Cli;

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
