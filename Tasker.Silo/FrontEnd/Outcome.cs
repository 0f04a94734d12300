using System.Diagnostics.CodeAnalysis;

namespace Tasker.Silo.FrontEnd;

/// <summary>
/// What a step of a request made of it (a reader, a check, the submission seam): its value, or the problem to answer
/// instead. A handler returns the problem as it is: its type says which statuses the step may answer.
/// </summary>
public readonly struct Outcome<T, TStatuses>
    where T : notnull
    where TStatuses : IProblemStatuses
{
    private Outcome(T? value, Problem<TStatuses>? problem)
    {
        Value = value;
        Problem = problem;
    }

    /// <summary>The value; null when <see cref="Failed"/>.</summary>
    public T? Value { get; }

    /// <summary>The problem to answer; null unless <see cref="Failed"/>.</summary>
    public Problem<TStatuses>? Problem { get; }

    [MemberNotNullWhen(true, nameof(Problem))]
    [MemberNotNullWhen(false, nameof(Value))]
    public bool Failed => Problem is not null;

    public static implicit operator Outcome<T, TStatuses>(T value) => new(value, null);

    public static implicit operator Outcome<T, TStatuses>(Problem<TStatuses> problem) => new(default, problem);

    /// <summary>The same outcome, its problem as one of a wider set of statuses.</summary>
    public Outcome<T, TWider> As<TWider>() where TWider : IProblemStatuses, IIncludes<TStatuses> => Failed ? Problem.As<TWider>() : Value;
}
