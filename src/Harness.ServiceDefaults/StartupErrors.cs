using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class StartupErrors
{
    /// <summary>Exit code for a setting that failed validation (sysexits' EX_CONFIG).</summary>
    public const int ConfigurationError = 78;

    /// <summary>Exit code for an address that could not be bound (sysexits' EX_TEMPFAIL).</summary>
    public const int AddressInUse = 75;

    /// <summary>
    /// Checks every <c>ValidateOnStart</c> option, then runs the app. A bad setting or a taken
    /// port ends it with one clear message on stderr and a distinct exit code, not a stack trace.
    /// </summary>
    public static int RunAndReport(this WebApplication app)
    {
        string name = app.Environment.ApplicationName;
        try
        {
            // Validating here, before the host starts, keeps the host from logging the failure
            // as a crash with a stack trace; the message below is all the user needs.
            app.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch (OptionsValidationException ex)
        {
            return ReportConfiguration(name, ex.Failures);
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        {
            // The binder's own words name the setting and the type it wanted.
            return ReportConfiguration(name, [ex.Message + (ex.InnerException is { } inner ? " " + inner.Message : "")]);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            return ReportConfiguration(name, ex.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures));
        }

        try
        {
            app.Run();
            return 0;
        }
        catch (IOException ex) when (ex.InnerException is SocketException or AddressInUseException)
        {
            Console.Error.WriteLine($"{name} cannot start: {ex.Message} Choose another port with --urls or ASPNETCORE_URLS.");
            return AddressInUse;
        }
    }

    private static int ReportConfiguration(string name, IEnumerable<string> failures)
    {
        Console.Error.WriteLine($"{name} cannot start: invalid configuration.");
        foreach (var failure in failures)
        {
            Console.Error.WriteLine("  " + failure);
        }

        return ConfigurationError;
    }
}
