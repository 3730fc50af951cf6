using System.Globalization;
using System.Text.RegularExpressions;
using Harness.LoadTests.Cli;

namespace LoadTests.Tests;

/// <summary>
/// <c>--start-at</c> times for tests of distributed runs, and the one failure that earns a re-run:
/// a generator that started so late on a busy machine that the shared start time had already
/// passed (it then refuses to run, exit 2, before sending anything). Any other failure stands.
/// </summary>
internal static partial class StartAt
{
    /// <summary>A start time <paramref name="lead"/> from now, as <c>--start-at</c> takes it.</summary>
    public static string Ahead(TimeSpan lead) =>
        DateTimeOffset.UtcNow.Add(lead).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    /// <summary>True when a run exited 2 saying its start time had passed (RunPlan's or HarnessRunner's message), and nothing else went wrong.</summary>
    public static bool HadPassed(int code, string printed) => code == ExitCodes.BadConfiguration && Passed().IsMatch(printed);

    /// <summary>
    /// Takes a whole distributed measurement, <paramref name="attempt"/>(1, <paramref name="lead"/>);
    /// when it returns false (a generator found the start time past, nothing else), takes it once
    /// more, (2, <paramref name="longerLead"/>), which must then run.
    /// </summary>
    public static async Task WithOneRerunAsync(Func<int, TimeSpan, Task<bool>> attempt, TimeSpan lead, TimeSpan longerLead)
    {
        if (!await attempt(1, lead))
        {
            Assert.True(await attempt(2, longerLead), "a generator started after the start time twice over");
        }
    }

    [GeneratedRegex(@"start-at: \S+ has passed \(it is |The start time \S+ has passed \(it is ")]
    private static partial Regex Passed();
}
