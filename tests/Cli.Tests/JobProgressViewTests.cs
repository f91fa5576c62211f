using System.Text.Json.Nodes;
using FineTune.Cli.Commands;

namespace FineTune.Cli.Tests;

public class JobProgressViewTests
{
    [Fact]
    public void Step_PrintsLossToFourPlacesAndWholeTokensPerSecond()
    {
        string line = Show("""{"type":"step","payload":{"step":2,"total_steps":4,"loss":5.505679468303335,"tokens_per_second":1291.8920011513899,"epsilon":0.51234}}""");

        Assert.Equal("[###############...............] 2/4 loss 5.5057 eps 0.512 1292 tok/s", line);
    }

    [Fact]
    public void EvalAndLog_ReadAsTextNotJson()
    {
        Assert.Equal("eval after step 20: loss 4.8260", Show("""{"type":"eval","payload":{"step":20,"eval_loss":4.825991503598186}}"""));
        Assert.Equal("info: model resolved", Show("""{"type":"log","payload":{"level":"info","message":"model resolved"}}"""));
    }

    [Fact]
    public void MissingFigures_AreShownAsMissing()
    {
        Assert.Equal("[..............................] 0/0 loss ? ? tok/s", Show("""{"type":"step","payload":{}}"""));
    }

    private static string Show(string json)
    {
        using var output = new StringWriter();
        new JobProgressView(output).Show(JsonNode.Parse(json)!.AsObject());
        return output.ToString().TrimEnd('\n', '\r');
    }
}
