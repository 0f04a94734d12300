using System.Text.Json;
using System.Text.Json.Nodes;
using Tasker.Api;
using Tasker.Schedules;
using Tasker.Secrets;

namespace Tasker.Silo.FrontEnd.Schedules;

/// <summary>Maps schedule snapshots and runs to the API's views.</summary>
public static class ScheduleViews
{
    public static string Self(string id) => $"/schedules/{Uri.EscapeDataString(id)}";

    public static ScheduleView From(ScheduleSnapshot schedule)
    {
        var d = schedule.Definition;
        var self = Self(schedule.Id);
        return new ScheduleView(
            schedule.Id,
            schedule.Client,
            new ScheduleTaskTemplate(d.Type, Parameters(d.ParametersJson), d.Priority.ToWire())
            {
                Retry = d.Retry is { } r
                    ? new RetryView(r.MaxAttempts, r.Exponential ? "exponential" : "fixed", System.Xml.XmlConvert.ToString(r.InitialDelay), r.Multiplier,
                        System.Xml.XmlConvert.ToString(r.MaxDelay), r.Jitter)
                    : null,
                Timeout = d.Timeout is { } timeout ? System.Xml.XmlConvert.ToString(timeout) : null,
                Callback = d.Callback is { } callback ? new CallbackView(callback.Url, callback.Events) : null,
            },
            d.Cron,
            d.Every is { } every ? ScheduleRequestReader.Duration(every) : null,
            d.TimeZone,
            d.StartAt,
            d.EndAt,
            d.Jitter > TimeSpan.Zero ? ScheduleRequestReader.Duration(d.Jitter) : null,
            d.Overlap.ToWire(),
            d.Missed.ToWire(),
            d.MaxCatchup,
            schedule.Paused,
            schedule.CreatedAt,
            schedule.UpdatedAt,
            schedule.LastDue,
            schedule.NextDue?.ToUniversalTime(),
            schedule.LastTaskId,
            schedule.BufferedDue,
            schedule.Version,
            new ScheduleLinks(self, $"{self}/next", $"{self}/runs", $"{self}/pause", $"{self}/resume", $"{self}/trigger"));
    }

    public static ScheduleRunView Run(ScheduleRun run) =>
        new(run.DueAt, run.At, run.Outcome.ToWire(), run.TaskId, run.TaskId is { } id ? $"/tasks/{id}" : null, run.Detail, run.Triggered);

    /// <summary>The next due times, shown in the schedule's time zone so that its offset (summer or winter time) is seen.</summary>
    public static ScheduleNextView Next(string id, string timeZone, IReadOnlyList<DateTimeOffset> due)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        return new ScheduleNextView(id, timeZone, [.. due.Select(t => TimeZoneInfo.ConvertTime(t, zone))]);
    }

    /// <summary>The parameters as shown: secret values (kept sealed) replaced by <c>***</c>.</summary>
    private static JsonElement Parameters(string parametersJson)
    {
        var parameters = JsonNode.Parse(parametersJson) as JsonObject;
        if (parameters is null)
        {
            return JsonSerializer.SerializeToElement(JsonNode.Parse(parametersJson));
        }

        foreach (var (name, value) in parameters.ToList())
        {
            if (value is JsonValue text && text.TryGetValue<string>(out var secret) && SecretParameters.IsSealed(secret))
            {
                parameters[name] = "***";
            }
        }

        return JsonSerializer.SerializeToElement(parameters);
    }
}
