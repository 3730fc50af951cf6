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
    /// Checks every <c>ValidateOnStart</c> setting now, right after <c>Build()</c>, before anything
    /// (a proxy loading its routes, say) reads them. A bad one is reported on stderr, one line
    /// naming each setting, then where every setting is described (<paramref name="settingsDoc"/>,
    /// a page of the repository's docs), and the caller exits with <see cref="ConfigurationError"/>.
    /// </summary>
    public static bool SettingsAreValid(this WebApplication app, string settingsDoc)
    {
        string name = app.Environment.ApplicationName;
        try
        {
            app.Services.GetService<IStartupValidator>()?.Validate();
            return true;
        }
        catch (OptionsValidationException ex)
        {
            Report(name, settingsDoc, ex.Failures);
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        {
            // The binder's own words name the setting and the type it wanted.
            Report(name, settingsDoc, [ex.Message + (ex.InnerException is { } inner ? " " + inner.Message : "")]);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            Report(name, settingsDoc, ex.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures));
        }

        return false;
    }

    /// <summary>Runs the app; a port that is taken ends it with one clear line and <see cref="AddressInUse"/>.</summary>
    public static int RunAndReport(this WebApplication app)
    {
        string name = app.Environment.ApplicationName;
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

    private static void Report(string name, string settingsDoc, IEnumerable<string> failures)
    {
        Console.Error.WriteLine($"{name} cannot start: invalid configuration.");
        foreach (var failure in failures)
        {
            Console.Error.WriteLine("  " + failure);
        }

        Console.Error.WriteLine($"Every setting, with its default and what it means: {settingsDoc}");
    }
}
