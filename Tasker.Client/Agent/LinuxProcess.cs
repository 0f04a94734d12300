using System.Runtime.InteropServices;

namespace Tasker.Client.Agent;

/// <summary>The few Linux calls the agent makes about its own process.</summary>
internal static class LinuxProcess
{
    private const int PrSetDumpable = 4;

    /// <summary>
    /// Marks this process not dumpable: its <c>/proc/&lt;pid&gt;/environ</c>, memory and file descriptors become
    /// root's, and a process of the same user can neither read them nor ptrace it. A command the agent runs as its
    /// own user therefore cannot read the token from the agent's environment (which is fixed at exec: removing the
    /// variable later does not change it). A command's own exec makes it dumpable again, so commands are unaffected.
    /// </summary>
    public static bool MakeUndumpable() => OperatingSystem.IsLinux() && Prctl(PrSetDumpable, 0, 0, 0, 0) == 0;

    /// <summary>The effective user id of this process (0: root).</summary>
    public static uint EffectiveUserId() => OperatingSystem.IsLinux() ? Geteuid() : uint.MaxValue;

    // DllImport, not LibraryImport: these signatures are blittable and need no generated (unsafe) marshalling.
    [DllImport("libc", EntryPoint = "prctl")]
    private static extern int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint Geteuid();
}
