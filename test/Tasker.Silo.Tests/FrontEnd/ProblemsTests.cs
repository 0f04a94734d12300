using Tasker.Silo.FrontEnd;

namespace Tasker.Silo.Tests;

/// <summary>A problem about what one field of a request names says which field, under <c>errors</c>, as a 400 does.</summary>
public sealed class ProblemsTests
{
    [Fact]
    public void A_refused_parent_is_a_422_whose_errors_name_after_and_the_parent()
    {
        var parent = TaskIds.New();

        var result = Assert.IsType<Problem<Status.Submission>>(Problems.ParentRefused(new DependencyRefusedException(parent, $"task {parent} already has 10,000 tasks that run after it")));

        Assert.Equal(422, result.StatusCode);
        Assert.Equal("parent-refused", result.ProblemDetails.Extensions["code"]);
        var errors = Assert.IsType<Dictionary<string, string[]>>(result.ProblemDetails.Extensions["errors"]);
        Assert.Contains(parent, Assert.Single(Assert.Single(errors).Value), StringComparison.Ordinal);
        Assert.Equal("after", errors.Keys.Single());
    }

    [Fact]
    public void A_field_problem_keeps_its_status_code_and_detail_and_names_its_field()
    {
        var result = Assert.IsType<Problem<Status.Submission>>(Problems.FieldProblem(404, "Parent not found", "parent-not-found", "no such task", "after", "no task x"));

        Assert.Equal(404, result.StatusCode);
        Assert.Equal("no such task", result.ProblemDetails.Detail);
        Assert.Equal("parent-not-found", result.ProblemDetails.Extensions["code"]);
        Assert.Equal(["no task x"], Assert.IsType<Dictionary<string, string[]>>(result.ProblemDetails.Extensions["errors"])["after"]);
    }
}
