using System.Runtime.InteropServices;

namespace Harness.Hosting;

internal static partial class NativeMethods
{
    internal const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);
}
