using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tasker.Chat;
using Tasker.Secrets;
using Tasker.Tasks;

namespace Tasker.Handlers;

/// <summary>
/// <c>conversation</c> {topic, n, api_key}: the model talks with itself for n turns (the old 002 worker). Turn 1 answers
/// an opening about the topic; each later turn answers the reply before it. One turn per chunk, so progress = turns done
/// and the checkpoint after each turn holds the transcript so far (each turn cut to
/// <see cref="ChatOptions.MaxTurnLength"/>), from which a paused or failed-over task goes on.
/// The result is <c>{"topic": "...", "turns": [{"n": 1, "text": "..."}, ...]}</c>. Not cacheable.
/// </summary>
public sealed class ConversationHandler(ChatClient chat, IOptions<ChatOptions> options, SecretParameters secrets, ILogger<ConversationHandler> logger) : IChunkedTaskHandler
{
    public string Type => "conversation";

    public string Description => "the chat model talks with itself about `topic` for `n` turns, each answering the last; progress = turns done";

    public bool Cacheable => false;

    // Built on first use, not at construction: the options are validated at start, and a bad one must be reported there.
    private IReadOnlyList<ParameterFact>? _parameters;

    public IReadOnlyList<ParameterFact> Parameters => _parameters ??=
    [
        new("topic", ParameterKind.Text, Max: options.Value.MaxPromptLength),
        new("n", ParameterKind.Int, Example: "3", Min: 1, Max: options.Value.MaxConversationTurns),
        new("api_key", ParameterKind.Secret, Optional: true),
    ];

    /// <summary>What turn 1 answers.</summary>
    public static string Opening(string topic) => $"Let's talk about {topic}. What is one interesting thing about it?";

    /// <summary>The instruction sent with every turn.</summary>
    public static string Instruction(string topic) =>
        $"You are in a conversation about {topic}. Answer the last message in at most three sentences, then ask one short follow-up question.";

    public ParameterCheck Validate(JsonElement parameters)
    {
        var reader = new ParameterReader(parameters);
        reader.Text("topic", options.Value.MaxPromptLength);
        reader.Integer("n", 1, options.Value.MaxConversationTurns);
        ChatApiKey.Read(reader, configured: options.Value.ApiKey is { Length: > 0 });
        return reader.Complete();
    }

    public bool Interruptible => true;

    public TaskProgress Plan(string parametersJson) =>
        new(0, CanonicalParameters.Integer(CanonicalParameters.Parse(parametersJson), "n"));

    public async Task<ChunkOutcome> RunChunkAsync(ChunkContext context, CancellationToken cancellationToken)
    {
        var parameters = CanonicalParameters.Parse(context.ParametersJson);
        var topic = CanonicalParameters.Text(parameters, "topic");
        var n = CanonicalParameters.Integer(parameters, "n");
        var turns = ReadTranscript(context.Checkpoint.Data);
        if (await ChatApiKey.ChooseAsync(parameters, options.Value, secrets) is not { } apiKey)
        {
            return new ChunkOutcome(context.Checkpoint, new TaskProgress(turns.Count, n), Error: ChatApiKey.Missing, ErrorCode: TaskErrorCodes.InvalidApiKey);
        }

        if (turns.Count < n)
        {
            var prompt = turns.Count == 0 ? Opening(topic) : turns[^1];
            var reply = await chat.CompleteAsync(apiKey, [ChatMessage.System(Instruction(topic)), ChatMessage.User(prompt)], cancellationToken);
            if (reply.Failure is { } failure)
            {
                ConversationHandlerLog.CallFailed(logger, context.TaskId, context.Client, failure);
                return new ChunkOutcome(context.Checkpoint, new TaskProgress(turns.Count, n), Error: $"turn {turns.Count + 1}: {failure}",
                    ErrorCode: failure == ChatClient.InvalidApiKey ? TaskErrorCodes.InvalidApiKey : null);
            }

            turns.Add(ChatText.Cap(reply.Text ?? "", options.Value.MaxTurnLength));
            ConversationHandlerLog.TurnDone(logger, context.TaskId, context.Client, turns.Count, n);
        }

        var checkpoint = new TaskCheckpoint(turns.Count, JsonSerializer.Serialize(turns));
        var progress = new TaskProgress(turns.Count, n);
        return turns.Count >= n
            ? new ChunkOutcome(checkpoint, progress, ResultJson: JsonSerializer.Serialize(new
            {
                topic,
                turns = turns.Select((text, index) => new { n = index + 1, text }),
            }))
            : new ChunkOutcome(checkpoint, progress);
    }

    private static List<string> ReadTranscript(string? data) =>
        data is null ? [] : JsonSerializer.Deserialize<List<string>>(data) ?? [];
}
