
namespace FineTune.Privacy.Tests;

public sealed class PrivacyAccountantsTests
{
    [Theory]
    [InlineData("rdp", typeof(RdpAccountant))]
    [InlineData("prv", typeof(PrvAccountant))]
    [InlineData("gdp", typeof(GdpAccountant))]
    public void Create_KnownMechanism_ReturnsEmptyAccountant(string mechanism, Type expectedType)
    {
        IPrivacyAccountant accountant = PrivacyAccountants.Create(mechanism);

        Assert.IsType(expectedType, accountant);
        Assert.Equal(mechanism, accountant.Mechanism);
        Assert.Empty(accountant.History);
    }

    [Theory]
    [InlineData("pld")]
    [InlineData("RDP")]
    [InlineData("")]
    public void Create_UnknownMechanism_ThrowsListingAcceptedValues(string name)
    {
        ArgumentException exception = Assert.Throws<ArgumentException>("mechanism", () => PrivacyAccountants.Create(name));

        Assert.Contains("rdp, prv, gdp", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>("mechanism", () => PrivacyAccountants.Create(null!));
    }
}
