namespace Tasker.Client.CommandLine;

/// <summary>The help text of <c>tasker</c>.</summary>
internal static class Usage
{
    public const string Text = """
        usage: tasker [--url URL] <verb> [arguments]

          submit <type> --client NAME [--param KEY=VALUE ...] [--params JSON]
                 [--priority high|normal|low] [--idempotency-key KEY] [--wait [--timeout SECONDS]]
          get <id>
          wait <id> [--timeout SECONDS]     (default 60; progress on stderr, the task on stdout)
          list [--client NAME] [--type TYPE] [--status STATUS] [--limit N] [--cursor NEXT]
          pause <id> | resume <id> | cancel <id>
          agent --token TOKEN [--name NAME] [--poll-interval 5s] [--log-level info]
                 an executor agent: runs shell tasks one at a time until SIGTERM or Ctrl+C
                 (env: TASKER_AGENT_TOKEN, TASKER_AGENT_NAME, POLL_INTERVAL, LOG_LEVEL)
          help

        --url      the Tasker server (default: $TASKER_URL, else http://127.0.0.1:5000)
                   $TASKER_API_KEY, when set, signs every request in with that API key
        --param    a VALUE that is a JSON number is sent as a number, anything else as a string;
                   --param entries are applied over --params
        exit code  0 done (wait: succeeded), 1 the task failed or was cancelled,
                   2 usage or server error, 3 --timeout passed first
        """;
}
