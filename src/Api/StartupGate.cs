namespace FineTune.Api;

/// <summary>
/// Keeps <c>/readyz</c> at 503 while the host still has start-up work of its own after the server listens:
/// <c>finetune serve</c> holds it until the default tenant's API key is written, so an orchestrator or a script that
/// waits for readiness never reads a key file that is not there yet.
/// </summary>
public sealed class StartupGate
{
    private volatile string? _pending;

    /// <summary>What start-up still waits for, or null when the host is ready as far as it knows.</summary>
    public string? Pending => _pending;

    /// <summary>Holds readiness back; <paramref name="reason"/> is the 503's detail.</summary>
    public void Hold(string reason) => _pending = reason;

    /// <summary>Lets readiness depend on the database alone again.</summary>
    public void Release() => _pending = null;
}
