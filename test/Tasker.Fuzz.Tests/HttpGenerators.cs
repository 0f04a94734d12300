using System.Text;
using CsCheck;

namespace Tasker.Fuzz.Tests;

/// <summary>
/// CsCheck generators of requests to every route Tasker serves (canonical, the old systems', the agents'): valid
/// requests for each task type mutated with wrong kinds, huge numbers, deep nesting, long strings, invalid UTF-8,
/// duplicate keys and truncation; malformed multipart; odd ids, query strings, methods, headers and framing.
/// </summary>
public sealed class HttpGenerators(IReadOnlyList<string> knownIds, string agentToken, IReadOnlyList<FuzzType> types)
{
    // The task types as GET /types describes them, so that a new type is fuzzed without anyone listing it here.
    private readonly string[] _types = [.. types.Select(t => t.Name)];

    // The types submitted as multipart/form-data with a file.
    private readonly string[] _uploadTypes = [.. types.Where(t => t.Upload).Select(t => t.Name)];

    /// <summary>Each type's parameters with a valid value (as JSON text); mutations start from these.</summary>
    private readonly Dictionary<string, IReadOnlyList<(string Name, string Valid)>> _params = types.ToDictionary(t => t.Name, t => t.Params);

    private static readonly string[] _oddNumbers =
    [
        "0", "-0", "-1", "1e400", "-1e400", "1e-400", "79228162514264337593543950336", "-79228162514264337593543950336",
        "0.1", "123456789012345678901234567890.123456789", "1E+2", "NaN", "Infinity", "-Infinity", "01", "1.", ".5", "-",
        "2147483648", "9223372036854775808", "18446744073709551616", "4294967296", "1e9", "1e10", "999999999999", "0x10",
        "1_000", "+1", "1e", "1e+", "5.0000000000000000000000000001", "1" + new string('0', 400),
    ];

    private static readonly string[] _oddStrings =
    [
        "", " ", "\\u0000", "\\ud800", "\\udfff\\ud800", "\\u00e9t\\u00e9", "\u00e9t\u00e9", "\u202e", "<script>alert(1)</script>",
        "2010-13-45", "2019-02-29", "0000-01-01", "9999-12-31", "2010-01-01T00:00:00Z", "../../etc/passwd", "%s%n%x",
        "\\n\\r\\t", "null", "true", "1", "sum2", "SUM2", " sum2", "sum2\\u0000", "${jndi:ldap://x}", "'; drop table x; --",
    ];

    private readonly string[] _ids =
    [
        .. knownIds, .. knownIds.Select(id => id + ".1"), .. knownIds.Select(id => id + ".999999999"),
        .. knownIds.Select(id => id.ToUpperInvariant()), .. knownIds.Select(id => id[..31]),
        "0", "-1", "00000000000000000000000000000000", "00000000000000000000000000000000.0", "ffffffffffffffffffffffffffffffff.1234567890",
        "%00", "%FF", "%2F", "..%2F..", "%2e%2e", "a%20b", "%C0%AF", "%E2%80%AE", "x;y", "{id}", "null", "undefined", "NaN",
        new string('a', 5000), new string('f', 32) + "%0d%0aX-Injected:%201", "%", "%%", "%zz",
    ];

    private readonly string _agentToken = agentToken;

    /// <summary>Any request at all, weighted towards the routes with bodies.</summary>
    public Gen<FuzzRequest> Request => Gen.Frequency(
        (30, CanonicalSubmit),
        (14, TaskRoute),
        (8, Listing),
        (6, Processes),
        (12, OldSystems),
        (8, Schedules),
        (10, Agents),
        (4, Operations),
        (6, Anything));

    private Gen<string> Client => Gen.Frequency(
        (14, Gen.Const("\"fuzz\"")),
        (2, Gen.String[Gen.Char.AlphaNumeric, 1, 80].Select(s => $"\"{s}\"")),
        (2, JsonScalar));

    private static Gen<string> Number => Gen.Frequency(
        (4, Gen.OneOf(_oddNumbers)),
        (2, Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (2, Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "1")),
        (1, Gen.ULong.Select(u => u.ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + u.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    private static Gen<string> JsonString => Gen.Frequency(
        (4, Gen.OneOf(_oddStrings).Select(s => $"\"{s}\"")),
        (3, Gen.String.Select(Quote)),
        (1, Gen.Int[1_000, 300_000].Select(n => $"\"{new string('x', n)}\"")),
        (1, Gen.String[Gen.Char['\u0080', '\uffff'], 1, 200].Select(Quote)));

    private static Gen<string> JsonScalar => Gen.Frequency(
        (4, Number),
        (4, JsonString),
        (1, Gen.OneOf("true", "false", "null", "tru", "nul", "'single'", "undefined")));

    /// <summary>A JSON value of a few levels, or pathologically deep nesting.</summary>
    private static Gen<string> JsonValue(int depth) => depth <= 0
        ? JsonScalar
        : Gen.Frequency(
            (6, JsonScalar),
            (2, JsonValue(depth - 1).Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
            (2, Gen.Select(JsonString, JsonValue(depth - 1)).Array[0, 4].Select(pairs => "{" + string.Join(",", pairs.Select(p => $"{p.Item1}:{p.Item2}")) + "}")),
            (1, Gen.Int[64, 20_000].Select(n => new string('[', n) + new string(']', n))),
            (1, Gen.Int[64, 20_000].Select(n => string.Concat(Enumerable.Repeat("{\"a\":", n)) + "1" + new string('}', n))));

    /// <summary>A type's parameters: each valid, dropped, replaced by any value, or duplicated; and unknown ones.</summary>
    private Gen<string> Params(string type) =>
        Gen.Select(
            Gen.Frequency((3, Gen.Int[0, 3]), (1, Gen.Int[0, 1].Select(_ => 4)), (1, Gen.Int[5, 6])).Array[_params[type].Count],
            JsonValue(2).Array[_params[type].Count],
            Gen.Select(JsonString, JsonValue(1)).Array[0, 2],
            (choices, values, extra) =>
            {
                var fields = new List<string>();
                var known = _params[type];
                for (var i = 0; i < known.Count; i++)
                {
                    var (name, valid) = known[i];
                    switch (choices[i])
                    {
                        case 0 or 1 or 2:
                            fields.Add($"\"{name}\":{valid}");
                            break;
                        case 3:
                            fields.Add($"\"{name}\":{values[i]}");
                            break;
                        case 4:
                            break; // Missing.
                        default:
                            fields.Add($"\"{name}\":{valid}");
                            fields.Add($"\"{name}\":{values[i]}"); // Duplicate key: the second differs.
                            break;
                    }
                }

                fields.AddRange(extra.Select(e => $"{e.Item1}:{e.Item2}"));
                return "{" + string.Join(",", fields) + "}";
            });

    /// <summary>A submission of any type, its fields valid or mutated, with a chance of a broken document.</summary>
    private Gen<string> Submission =>
        from type in Gen.OneOf(_types)
        from typeField in Gen.Frequency((8, Gen.Const($"\"{type}\"")), (1, JsonScalar), (1, JsonValue(1)))
        from parameters in Gen.Frequency((8, Params(type)), (1, JsonValue(2)))
        from client in Client
        from priority in Gen.Frequency((4, Gen.Const((string?)null)), (2, Gen.OneOf<string?>("\"high\"", "\"normal\"", "\"low\"")), (1, JsonScalar.Select(s => (string?)s)))
        from duplicateType in Gen.Frequency((9, Gen.Const(false)), (1, Gen.Const(true)))
        from after in After
        select "{\"type\":" + typeField + ",\"params\":" + parameters + ",\"client\":" + client
            + (priority is null ? "" : ",\"priority\":" + priority)
            + after
            + (duplicateType ? ",\"type\":\"shell\"" : "") + "}";

    /// <summary>Mostly nothing; else <c>after</c> (earlier or later batch items, ids that exist nowhere, junk) and a policy.</summary>
    private static Gen<string> After => Gen.Frequency(
        (8, Gen.Const("")),
        (2, Gen.Int[0, 8].Array[1, 3].Select(items => ",\"after\":[" + string.Join(",", items.Select(i => $"\"#{i}\"")) + "]")),
        (1, Gen.Const(",\"after\":[\"" + TaskIds.New() + "\"],\"after_policy\":\"all_ended\"")),
        (1, JsonValue(1).Select(v => ",\"after\":" + v)),
        (1, JsonScalar.Select(v => ",\"after\":[],\"after_policy\":" + v)));

    /// <summary>A batch for <c>POST /tasks/batch</c>: an array of submissions, valid or mutated, some keyed, some not objects.</summary>
    private Gen<string> Batch =>
        from items in Gen.Frequency(
            (6, Submission),
            (2, from submission in Submission from key in Gen.OneOf("k1", "k2", "") select "{\"idempotency_key\":\"" + key + "\"," + submission[1..]),
            (1, JsonValue(1))).Array[0, 6]
        select "[" + string.Join(",", items) + "]";

    /// <summary>Bytes of a JSON document, sometimes broken: truncated, invalid UTF-8 spliced in, a BOM, trailing garbage.</summary>
    private static Gen<byte[]> Broken(Gen<string> json) =>
        from text in json
        from how in Gen.Frequency((12, Gen.Const(0)), (1, Gen.Const(1)), (1, Gen.Const(2)), (1, Gen.Const(3)), (1, Gen.Const(4)), (1, Gen.Const(5)))
        from at in Gen.Int[0, 1_000_000]
        from junk in Gen.Byte.Array[1, 8]
        select Mutate(Encoding.UTF8.GetBytes(text), how, at, junk);

    private static byte[] Mutate(byte[] body, int how, int at, byte[] junk)
    {
        var position = body.Length == 0 ? 0 : at % body.Length;
        return how switch
        {
            1 => body[..position], // Truncated document.
            2 => [.. body[..position], 0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80, .. body[position..]], // Invalid UTF-8 (and an encoded surrogate).
            3 => [0xEF, 0xBB, 0xBF, .. body], // A byte order mark.
            4 => [.. body, .. junk], // Trailing garbage.
            5 => junk, // Random bytes.
            _ => body,
        };
    }

    private static Gen<KeyValuePair<string, string>[]> JsonHeaders => Gen.Frequency(
        (10, Gen.Const(new KeyValuePair<string, string>[] { new("Content-Type", "application/json") })),
        (1, Gen.Const(Array.Empty<KeyValuePair<string, string>>())),
        (3, Gen.OneOf("text/plain", "application/json; charset=latin1", "application/json; charset=utf-16", "application/x-www-form-urlencoded",
                "multipart/form-data", "multipart/form-data; boundary=", "application/*", "*/*", "application/json;;;", "\u00e9/\u00e9", "application/problem+json")
            .Select(type => new KeyValuePair<string, string>[] { new("Content-Type", type) })));

    private static Gen<KeyValuePair<string, string>[]> OddHeaders => Gen.Frequency(
        (8, Gen.Const(Array.Empty<KeyValuePair<string, string>>())),
        (2, Gen.OneOf(
                new KeyValuePair<string, string>("Idempotency-Key", "fuzz-key"),
                new("Idempotency-Key", new string('k', 10_000)),
                new("Idempotency-Key", ""),
                new("Idempotency-Key", "\u00e9\u00e9"),
                new("Accept", "application/json"),
                new("Accept", "text/event-stream"),
                new("Accept", "*/*;q=abc"),
                new("Accept-Encoding", "gzip, br, zstd"),
                new("Expect", "100-continue"),
                new("Authorization", "Bearer "),
                new("Authorization", "Basic !!!"),
                new("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("test:test"))),
                new("X-Agent-Name", new string('n', 3000)),
                new("X-Agent-Name", "\u00e9"),
                new("Last-Event-ID", "-1"),
                new("Range", "bytes=99999999999-"),
                new("If-None-Match", "*"),
                new("Origin", "http://evil.example"),
                new("traceparent", "00-zzzz-zzzz-01"),
                new("X-Forwarded-For", "not-an-ip"),
                new("Cookie", new string('c', 7000)))
            .Array[1, 3]));

    private static Gen<Delivery> Delivery => Gen.Frequency(
        (40, Gen.Const(Tests.Delivery.Whole)),
        (4, Gen.Const(Tests.Delivery.Chunked)),
        (1, Gen.Const(Tests.Delivery.BadChunk)),
        (2, Gen.Const(Tests.Delivery.Truncated)),
        (1, Gen.Const(Tests.Delivery.Slow)));

    private static Gen<FuzzRequest> WithBody(string method, Gen<string> target, Gen<byte[]> body, Gen<KeyValuePair<string, string>[]> contentHeaders) =>
        from path in target
        from bytes in body
        from content in contentHeaders
        from odd in OddHeaders
        from delivery in Delivery
        select new FuzzRequest(method, path, [.. content, .. odd], bytes, delivery);

    private static Gen<FuzzRequest> WithoutBody(Gen<string> method, Gen<string> target) =>
        from verb in method
        from path in target
        from odd in OddHeaders
        select new FuzzRequest(verb, path, odd, [], Tests.Delivery.Whole);

    private Gen<FuzzRequest> CanonicalSubmit => Gen.Frequency(
        (10, WithBody("POST", Gen.OneOf("/tasks", "/tasks/"), Broken(Submission), JsonHeaders)),
        (3, from request in Multipart from path in Gen.OneOf("/tasks", "/tasks/upload") select request with { Target = path }),
        (1, WithBody("POST", Gen.Const("/tasks"), Broken(JsonValue(3)), JsonHeaders)),
        (3, WithBody("POST", Gen.Const("/tasks/batch"), Broken(Batch), JsonHeaders)),
        (1, WithBody("POST", Gen.Const("/tasks/batch"), Broken(JsonValue(3)), JsonHeaders)));

    private Gen<string> Id => Gen.Frequency((3, Gen.OneOf(knownIds.ToArray())), (3, Gen.OneOf(_ids)), (1, Gen.String[Gen.Char.AlphaNumeric, 0, 40]));

    private static Gen<string> QueryValue => Gen.Frequency(
        (3, Gen.OneOf("", "0", "-1", "1", "25", "30", "501", "1e9", "NaN", "abc", "%00", "%FF", "%", "0.0001", "99999999999999999999", "2", "%E2%80%AE")),
        (1, Gen.String[Gen.Char.AlphaNumeric, 0, 3000]));

    private Gen<FuzzRequest> TaskRoute => Gen.Frequency(
        (4, WithoutBody(Gen.OneOf("GET", "HEAD"), from id in Id from tail in Gen.OneOf("", "/status", "/result", "/file", "/events") select $"/tasks/{id}{tail}")),
        (2, WithoutBody(Gen.Const("GET"), from id in Id from after in QueryValue from timeout in Gen.OneOf("0", "1", "2", "-5", "26", "1e3", "x", "0.5") select $"/tasks/{id}?after={after}&timeout={timeout}")),
        (4, WithoutBody(Gen.OneOf("POST", "GET"), from id in Id from verb in Gen.OneOf("pause", "resume", "cancel", "stop") select $"/tasks/{id}/{verb}")),
        (2, WithoutBody(Gen.Const("DELETE"), Id.Select(id => $"/tasks/{id}"))),
        (1, WithBody("POST", Id.Select(id => $"/tasks/{id}/pause"), Broken(JsonValue(1)), JsonHeaders)));

    private Gen<FuzzRequest> Listing => WithoutBody(
        Gen.OneOf("GET", "HEAD"),
        from path in Gen.OneOf("/tasks", "/tasks/", "/clients/fuzz/tasks", "/clients/%00/tasks", "/clients/" + new string('c', 70) + "/tasks", "/get_requests_status")
        from keys in Gen.OneOf("client", "client_name", "type", "status", "limit", "cursor", "client[]", "limit", "x").Array[0, 4]
        from values in QueryValue.Array[4]
        select path + "?" + string.Join("&", keys.Select((k, i) => $"{k}={values[i]}")));

    private Gen<FuzzRequest> Processes => Gen.Frequency(
        (2, WithoutBody(Gen.OneOf("GET", "HEAD", "DELETE", "PATCH"), Gen.OneOf(_types).Select(t => "/processes/" + t))),
        (1, WithoutBody(Gen.Const("GET"), Gen.OneOf("/processes", "/processes/", "/processes/%00", "/processes/" + new string('p', 3000)))),
        (3, WithBody("PUT", Gen.OneOf([.. _types, "nope", "%2F", ""]).Select(t => "/processes/" + t),
            Broken(from status in Gen.Frequency((5, Gen.Const("\"active\"")), (1, Gen.Const("\"suspended\"")), (2, JsonScalar))
                   from reason in JsonScalar
                   select $"{{\"status\":{status},\"reason\":{reason}}}"),
            JsonHeaders)));

    /// <summary>A few schedule ids only, so that the schedules the fuzzer makes (some firing every second) stay few.</summary>
    private static readonly string[] _scheduleIds = ["f1", "f2", "f.3", "%00", "-x", "a%2Fb", new string('s', 70)];

    /// <summary>A field of a schedule's when: valid, odd or any value.</summary>
    private static Gen<string> WhenField(string name, params string[] valid) =>
        Gen.Frequency((6, Gen.OneOf(valid).Select(v => $"\"{name}\":{v}")), (2, JsonScalar.Select(v => $"\"{name}\":{v}")), (1, JsonValue(1).Select(v => $"\"{name}\":{v}")));

    /// <summary>A body of <c>PUT /schedules/{id}</c>: a task template and when fields, each valid, mutated or missing.</summary>
    private Gen<string> ScheduleBody =>
        from submission in Submission
        from fields in Gen.OneOf(
            WhenField("cron", "\"0 0 1 1 *\"", "\"0 0 30 2 *\"", "\"*/30 * * * *\"", "\"0 2 * * * *\"", "\"@daily\"", "\"61 * * * *\"", "\"* * *\""),
            WhenField("every", "\"P1D\"", "\"PT0S\"", "\"P99999999D\"", "86400", "-1", "\"PT1H30M\"", "1e300"),
            WhenField("timezone", "\"Europe/Berlin\"", "\"UTC\"", "\"Mars/Olympus\"", "\"\"", "\"../../etc/passwd\""),
            WhenField("start_at", "\"2026-03-29T02:00:00+02:00\"", "\"9999-12-31T23:59:59Z\"", "\"0001-01-01T00:00:00Z\"", "\"2026-03-29T02:00:00\""),
            WhenField("end_at", "\"2027-01-01T00:00:00Z\"", "\"0001-01-01T00:00:01Z\"", "\"9999-12-31T23:59:59+14:00\""),
            WhenField("jitter", "\"PT30S\"", "\"P400D\"", "0", "\"PT\""),
            WhenField("overlap", "\"skip\"", "\"buffer_one\"", "\"allow\"", "\"cancel_running\"", "\"queue\""),
            WhenField("missed", "\"run_once\"", "\"skip\"", "\"run_all\"", "\"twice\""),
            WhenField("max_catchup", "1", "10", "1000", "0", "1001", "2147483648")).Array[0, 6]
        select "{\"task\":{" + submission[1..submission.LastIndexOf(",\"client\":", StringComparison.Ordinal)] + "},\"client\":\"fuzz\"," + "\"cron\":\"0 0 1 1 *\""
            + string.Concat(fields.Select(f => "," + f)) + "}";

    private Gen<FuzzRequest> Schedules => Gen.Frequency(
        (4, WithBody("PUT", Gen.OneOf(_scheduleIds).Select(id => "/schedules/" + id), Broken(ScheduleBody), JsonHeaders)),
        (1, WithBody("PUT", Gen.OneOf(_scheduleIds).Select(id => "/schedules/" + id), Broken(JsonValue(3)), JsonHeaders)),
        (3, WithoutBody(Gen.OneOf("GET", "HEAD", "DELETE"),
            from id in Gen.OneOf(_scheduleIds) from tail in Gen.OneOf("", "/next", "/runs") from client in Gen.OneOf("fuzz", "", "%00", "x y")
            from query in Gen.OneOf("count", "limit", "client", "x") from value in QueryValue
            select $"/schedules/{id}{tail}?client={client}&{query}={value}")),
        (2, WithoutBody(Gen.OneOf("POST", "GET"),
            from id in Gen.OneOf(_scheduleIds) from verb in Gen.OneOf("pause", "resume", "trigger", "stop") select $"/schedules/{id}/{verb}?client=fuzz")),
        (1, WithoutBody(Gen.OneOf("GET", "HEAD"), from query in QueryValue select $"/schedules?client={query}")));

    private Gen<FuzzRequest> OldSystems => Gen.Frequency(
        (4, WithBody("POST", Gen.Const("/process"), Broken(
            from type in Gen.OneOf(_types)
            from parameters in Params(type)
            from client in Client
            from quoted in Gen.Bool
            let json = $"{{\"task\":\"{type}\",\"client_name\":{client},\"params\":{parameters}}}"
            select quoted ? json.Replace("\"", "\\\"", StringComparison.Ordinal) : json), JsonHeaders)),
        (2, WithBody("GET", Gen.Const("/get_requests_status"), Broken(Client.Select(c => $"{{\"client_name\":{c}}}")), JsonHeaders)),
        (1, WithoutBody(Gen.Const("GET"), Gen.Const("/get_processes_status"))),
        (2, WithBody("POST", Gen.Const("/set_processes_status"), Broken(
            from type in Gen.OneOf([.. _types, "x"])
            from status in Gen.Frequency((5, Gen.Const("\"active\"")), (2, JsonScalar))
            select $"{{\"{type}\":{status}}}"), JsonHeaders)),
        (2, WithoutBody(Gen.Const("GET"), from start in JsonString from till in QueryValue select $"/tasks/download?from={Uri.EscapeDataString(start.Trim('"'))}&till={till}")),
        (1, WithBody("GET", Gen.Const("/tasks/download"), Broken(Params("csv-export")), JsonHeaders)),
        (4, from route in Gen.OneOf(("/sum", "sum2"), ("/sequence", "sequence"), ("/chat", "chat"), ("/conversation", "conversation"))
            from request in WithBody("POST", Gen.Const(route.Item1), Broken(Params(route.Item2 == "sum2" ? "sum2" : route.Item2)
                .Select(p => route.Item2 == "sum2" ? p.Replace("\"first\"", "\"num1\"", StringComparison.Ordinal).Replace("\"second\"", "\"num2\"", StringComparison.Ordinal) : p)
                .Select(p => $"{{\"payload\":{p}}}")), JsonHeaders)
            select request),
        (2, WithoutBody(Gen.OneOf("GET", "DELETE"), Id.Select(id => "/task/" + id))),
        (3, WithBody("POST", Gen.Const("/tasks"), Broken(Params("shell").Select(p => p.Replace("\"command\"", "\"command\"", StringComparison.Ordinal))), JsonHeaders)),
        (1, WithoutBody(Gen.OneOf("GET", "HEAD"), Gen.OneOf("/tasks/", "/tasks/?limit=0", "/tasks/?limit=%FF&client=%00"))),
        (3, Form003),
        (1, Multipart.Select(upload => upload with { Target = "/tasks/upload" })));

    /// <summary>003's form: input_param once, or input_param[] many times, urlencoded (or not).</summary>
    private static Gen<FuzzRequest> Form003 =>
        from many in Gen.Bool
        from values in QueryValue.Array[0, 40]
        from extra in Gen.OneOf("", "&type=shell", "&command=id", "&priority=high", "&client=someone-else")
        from contentType in Gen.Frequency((6, Gen.Const("application/x-www-form-urlencoded")), (1, Gen.OneOf("multipart/form-data", "application/json", "text/plain")))
        from slash in Gen.Frequency((6, Gen.Const("/")), (1, Gen.Const("")))
        from delivery in Delivery
        select new FuzzRequest(
            "POST",
            "/api/v1/task" + slash,
            [new("Content-Type", contentType)],
            Encoding.UTF8.GetBytes(string.Join("&", values.Select(v => (many ? "input_param%5B%5D=" : "input_param=") + v)) + extra),
            delivery);

    private Gen<KeyValuePair<string, string>[]> AgentHeaders => Gen.Frequency(
        (6, Gen.Const(new KeyValuePair<string, string>[] { new("Authorization", "Bearer " + _agentToken), new("Content-Type", "application/json") })),
        (1, Gen.Const(new KeyValuePair<string, string>[] { new("Authorization", "Bearer wrong-token-0000000000"), new("Content-Type", "application/json") })),
        (1, Gen.Const(new KeyValuePair<string, string>[] { new("Content-Type", "application/json") })));

    private Gen<FuzzRequest> Agents => Gen.Frequency(
        (3, from headers in AgentHeaders
            from wait in Gen.Frequency((6, Gen.Const("0")), (1, QueryValue), (1, Gen.OneOf("0.5", "1", "31", "-1")))
            from agent in Gen.Frequency((3, Gen.Const("fuzz-agent")), (1, QueryValue))
            select new FuzzRequest("GET", $"/tasks/pick?wait={wait}&agent={agent}", headers, [], Tests.Delivery.Whole)),
        (5, from headers in AgentHeaders
            from id in Id
            from verb in Gen.OneOf("heartbeat", "finish", "finish-and-pick", "release")
            from body in Broken(
                from lease in Gen.Frequency((2, Gen.Const("\"00000000-0000-0000-0000-000000000000\"")), (2, JsonScalar))
                from exitCode in Number
                from output in JsonString
                from extra in Gen.Bool
                select $"{{\"lease\":{lease},\"exitCode\":{exitCode},\"stdout\":{output},\"stderr\":{output}{(extra ? ",\"lease\":1" : "")}}}")
            from delivery in Delivery
            select new FuzzRequest("POST", $"/tasks/{id}/{verb}", headers, body, delivery)),
        (1, from headers in AgentHeaders select new FuzzRequest("GET", "/agents", headers, [], Tests.Delivery.Whole)));

    private static Gen<FuzzRequest> Operations => WithoutBody(
        Gen.OneOf("GET", "HEAD", "OPTIONS"),
        Gen.OneOf("/", "/health/live", "/health/ready", "/metrics", "/openapi/v1.json", "/page/page.js", "/page/page.css", "/scalar/v1", "/?x=%FF"));

    /// <summary>Odd methods, paths and request lines that no route expects.</summary>
    private Gen<FuzzRequest> Anything =>
        from method in Gen.OneOf("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", "FOO", "get", "G\u00c9T", "")
        from path in Gen.Frequency(
            (3, Gen.OneOf("/tasks", "/tasks/pick", "/processes", "/clients", "/sum", "/process", "/task", "/agents", "/health", "/dashboard/", "/openapi/v1.json")),
            (2, Id.Select(id => "/tasks/" + id + "/" + id)),
            (1, Gen.OneOf("*", "http://evil.example/tasks", "//tasks", "/tasks/../processes", "/tasks/%2e%2e/processes", "/tasks?" + new string('q', 9000), "/\u00e9", "tasks", "/tasks#frag", "/tasks\t")))
        from body in Broken(JsonValue(1))
        from headers in JsonHeaders
        select new FuzzRequest(method, path, headers, body, Tests.Delivery.Whole);

    /// <summary>multipart/form-data, well formed or not: boundaries, missing parts, CSV content of any kind.</summary>
    private Gen<FuzzRequest> Multipart =>
        from boundary in Gen.Frequency((6, Gen.Const("fuzzboundary")), (1, Gen.OneOf("", "\"\"", new string('b', 100), "a b", "\u00e9")))
        from declared in Gen.Frequency((6, Gen.Const(true)), (1, Gen.Const(false)))
        from type in Gen.Frequency((6, Gen.OneOf(_uploadTypes)), (1, Gen.OneOf(_types)), (1, JsonString))
        from client in Gen.Frequency((6, Gen.Const("fuzz")), (1, Gen.OneOf("", "%00", new string('c', 100))))
        from maxBad in QueryValue
        from csv in Gen.Frequency(
            (4, Gen.Const("name,email,city,date,amount\nAda,ada@example.com,London,2015-03-04,12.50\n")),
            (2, Gen.String.Array[0, 20].Select(lines => "name,email,city,date,amount\n" + string.Join("\n", lines))),
            (1, Gen.Const("")),
            (1, Gen.Const("\"unterminated,quote\n" + new string(',', 5000))))
        from fileField in Gen.Frequency((6, Gen.Const("file")), (1, Gen.OneOf("", "files", "file[]")))
        from shape in Gen.Frequency((8, Gen.Const(0)), (1, Gen.Const(1)), (1, Gen.Const(2)), (1, Gen.Const(3)))
        from odd in OddHeaders
        from delivery in Delivery
        select new FuzzRequest(
            "POST",
            "/tasks",
            [new("Content-Type", declared ? $"multipart/form-data; boundary={boundary}" : "multipart/form-data"), .. odd],
            MultipartBody(boundary, type, client, maxBad, csv, fileField, shape),
            delivery);

    private static byte[] MultipartBody(string boundary, string type, string client, string maxBad, string csv, string fileField, int shape)
    {
        var body = new StringBuilder();
        void Field(string name, string value) =>
            body.Append("--").Append(boundary).Append("\r\nContent-Disposition: form-data; name=\"").Append(name).Append("\"\r\n\r\n").Append(value).Append("\r\n");
        Field("type", type.Trim('"'));
        Field("client", client);
        Field("max_bad_rows", maxBad);
        if (shape == 1)
        {
            Field("type", "shell"); // A repeated field.
        }

        body.Append("--").Append(boundary).Append("\r\nContent-Disposition: form-data; name=\"").Append(fileField)
            .Append("\"; filename=\"data.csv\"\r\nContent-Type: text/csv\r\n\r\n").Append(csv).Append("\r\n");
        return shape switch
        {
            2 => Encoding.UTF8.GetBytes(body.ToString()), // No closing boundary.
            3 => Encoding.UTF8.GetBytes(body.ToString().Replace("\r\n", "\n", StringComparison.Ordinal) + "--" + boundary + "--"), // Bare LFs.
            _ => Encoding.UTF8.GetBytes(body.Append("--").Append(boundary).Append("--\r\n").ToString()),
        };
    }

    private static string Quote(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in text)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return quoted.Append('"').ToString();
    }
}
