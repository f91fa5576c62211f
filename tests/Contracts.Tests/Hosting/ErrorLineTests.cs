using FineTune.Contracts.Hosting;

namespace FineTune.Contracts.Tests.Hosting;

public class ErrorLineTests
{
    [Fact]
    public void Of_AnArgumentExceptionsMessage_DropsTheDotNetParameterName()
    {
        var error = new ArgumentException("'/nope' is neither an existing directory nor a hub repository id", "modelOrPath");

        Assert.Equal("'/nope' is neither an existing directory nor a hub repository id", ErrorLine.Of(error.Message));
    }

    [Theory]
    [InlineData("first line\nstack or detail", "first line")]
    [InlineData("  padded  ", "padded")]
    [InlineData("mentions (Parameter 'x') midway, then more", "mentions (Parameter 'x') midway, then more")]
    [InlineData("", "")]
    public void Of_KeepsTheFirstLineOnly(string message, string expected) =>
        Assert.Equal(expected, ErrorLine.Of(message));
}
