using FineTune.Text.Chat;

namespace FineTune.Text.Tests.Chat;

public sealed class ChatTurnTests
{
    [Theory]
    [InlineData("User")]
    [InlineData("human")]
    [InlineData("")]
    public void Constructor_UnknownRole_ThrowsArgumentException(string role)
    {
        Assert.Throws<ArgumentException>(() => new ChatTurn(role, "text"));
    }

    [Fact]
    public void Constructor_NullContent_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => new ChatTurn(ChatRoles.User, null!));
    }

    [Fact]
    public void Equals_SameRoleAndContent_IsTrue()
    {
        Assert.Equal(new ChatTurn(ChatRoles.Tool, "x"), new ChatTurn(ChatRoles.Tool, "x"));
    }

    [Fact]
    public void RenderText_NullTurn_ThrowsArgumentException()
    {
        IReadOnlyList<ChatTurn> turns = [null!];

        Assert.Throws<ArgumentException>(() => ChatTemplates.Get("chatml").RenderText(turns));
    }
}
