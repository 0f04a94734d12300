using System.Reflection;
using Tasker.Silo.FrontEnd;

namespace Tasker.Silo.Tests;

/// <summary>
/// A problem is widened to another set of statuses only where that set declares it holds the narrower one
/// (<see cref="IIncludes{TNarrower}"/>, checked by the compiler); here each declaration is checked against the codes, so
/// that a widening cannot answer a status the wider set, and so the API's description, does not list.
/// </summary>
public sealed class StatusSetsTests
{
    public static TheoryData<string, string> Declared()
    {
        var data = new TheoryData<string, string>();
        foreach (var (wider, narrower) in Inclusions())
        {
            data.Add(wider.Name, narrower.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Declared))]
    public void A_set_that_declares_it_includes_another_holds_each_of_its_statuses(string wider, string narrower)
    {
        var (widerCodes, narrowerCodes) = (CodesOf(SetNamed(wider)), CodesOf(SetNamed(narrower)));

        Assert.True(narrowerCodes.All(widerCodes.Contains),
            $"{wider} ({string.Join(", ", widerCodes)}) says it includes {narrower} ({string.Join(", ", narrowerCodes)})");
    }

    [Fact]
    public void The_sets_that_widen_declare_what_they_include()
    {
        // The handlers widen a reader's or a check's problem into these: each must say what it takes.
        Assert.Contains(Inclusions(), i => i.Wider == typeof(Status.Submission) && i.Narrower == typeof(Status.Body));
        Assert.Contains(Inclusions(), i => i.Wider == typeof(Status.Report) && i.Narrower == typeof(Status.TaskCommand));
        Assert.True(Inclusions().Count() >= 10);
    }

    [Fact]
    public void A_problem_widened_keeps_its_status_and_details()
    {
        var problem = Problems.BadRequest("bad", "Bad", "it is bad");

        var wider = problem.As<Status.Submission>();

        Assert.Equal(400, wider.StatusCode);
        Assert.Same(problem.ProblemDetails, wider.ProblemDetails);
    }

    private static IEnumerable<(Type Wider, Type Narrower)> Inclusions() =>
        from set in typeof(Status).GetNestedTypes()
        from contract in set.GetInterfaces()
        where contract.IsGenericType && contract.GetGenericTypeDefinition() == typeof(IIncludes<>)
        select (set, contract.GetGenericArguments()[0]);

    private static Type SetNamed(string name) => typeof(Status).GetNestedType(name)!;

    private static IReadOnlyList<int> CodesOf(Type set) =>
        (IReadOnlyList<int>)set.GetProperty(nameof(IProblemStatuses.Codes), BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
}
