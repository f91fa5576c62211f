using FineTune.Persistence.Entities;

namespace FineTune.Persistence.Tenancy;

/// <summary>A newly issued key: the stored record and the token, which exists nowhere else and is shown once.</summary>
/// <param name="Key">The stored record (hash and prefix only).</param>
/// <param name="Token">The secret to hand to the user.</param>
public sealed record IssuedApiKey(ApiKey Key, string Token);
