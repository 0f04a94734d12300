using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tasker.Chat;
using Tasker.Secrets;
using Tasker.Tasks;

namespace Tasker.Handlers;

/// <summary>
/// <c>chat</c> {question, api_key}: one question to the configured OpenAI-compatible model (the old 002 worker).
/// A long type of one unit, so the call runs on the task's timer, not inside the submitting request.
/// The result is <c>{"answer": "..."}</c>. Not cacheable: the model is not deterministic.
/// </summary>
public sealed class ChatHandler(ChatClient chat, IOptions<ChatOptions> options, SecretParameters secrets, ILogger<ChatHandler> logger) : IChunkedTaskHandler
{
    public string Type => "chat";

    public string Description => "one `question` to the configured OpenAI-compatible chat model, with `api_key` (or the configured key)";

    public bool Cacheable => false;

    // Built on first use, not at construction: the options are validated at start, and a bad one must be reported there.
    private IReadOnlyList<ParameterFact>? _parameters;

    public IReadOnlyList<ParameterFact> Parameters => _parameters ??=
        [new("question", ParameterKind.TextArea, Max: options.Value.MaxPromptLength), new("api_key", ParameterKind.Secret, Optional: true)];

    public ParameterCheck Validate(JsonElement parameters)
    {
        var reader = new ParameterReader(parameters);
        reader.Text("question", options.Value.MaxPromptLength);
        ChatApiKey.Read(reader, configured: options.Value.ApiKey is { Length: > 0 });
        return reader.Complete();
    }

    public bool Interruptible => true;

    public TaskProgress Plan(string parametersJson) => new(0, 1);

    public async Task<ChunkOutcome> RunChunkAsync(ChunkContext context, CancellationToken cancellationToken)
    {
        var parameters = CanonicalParameters.Parse(context.ParametersJson);
        if (await ChatApiKey.ChooseAsync(parameters, options.Value, secrets) is not { } apiKey)
        {
            // Accepted with the configured key, which has since been removed.
            return Failed(context, ChatApiKey.Missing);
        }

        var reply = await chat.CompleteAsync(apiKey, [ChatMessage.User(CanonicalParameters.Text(parameters, "question"))], cancellationToken);
        if (reply.Failure is { } failure)
        {
            ChatHandlerLog.CallFailed(logger, context.TaskId, context.Client, failure);
            return Failed(context, failure);
        }

        var answer = ChatText.Cap(reply.Text ?? "", options.Value.MaxAnswerLength);
        return new ChunkOutcome(new TaskCheckpoint(1), new TaskProgress(1, 1), ResultJson: JsonSerializer.Serialize(new { answer }));
    }

    private static ChunkOutcome Failed(ChunkContext context, string error) => new(context.Checkpoint, new TaskProgress(0, 1), Error: error,
        ErrorCode: error == ChatClient.InvalidApiKey || error == ChatApiKey.Missing ? TaskErrorCodes.InvalidApiKey : null);
}
