using FineTune.Contracts.Backends;
using FineTune.Contracts.Events;
using FineTune.Contracts.Jobs;
using FineTune.HuggingFace;
using FineTune.Text.Data;

namespace FineTune.Worker.Tests;

public sealed class JobErrorClassifierTests
{
    public static TheoryData<Exception> PermanentErrors => new()
    {
        new PermanentJobException("invalid job spec"),
        new DatasetValidationException("Line 3: missing field"),
        new InvalidDataException("bad file"),
        new BackendOptionsException("backend libtorch-cpu does not support option 'dtype'", "dtype"),
        new ArgumentOutOfRangeException("MaxSteps", "steps must be at least 1"),
        new FormatException("'fast' is not a number"),
        new TrainingDivergedException("the loss became NaN at step 3"),
        new HubException("not found") { Kind = HubErrorKind.NotFound },
    };

    [Theory]
    [MemberData(nameof(PermanentErrors))]
    public void Classify_ErrorsOfTheJobItself_ArePermanent(Exception error)
    {
        Assert.True(JobErrorClassifier.Classify(error).Permanent);
    }

    [Fact]
    public void Classify_OutOfMemory_IsTransientWithTheHintAndOneLine()
    {
        JobFailure failure = JobErrorClassifier.Classify(new DeviceOutOfMemoryException("CUDA out of memory. Tried to allocate 20 MiB\n  frame #0: c10::Error"));

        Assert.False(failure.Permanent);
        Assert.StartsWith("out of memory: CUDA out of memory. Tried to allocate 20 MiB", failure.Message, StringComparison.Ordinal);
        Assert.Contains("batch_size", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("frame", failure.Message, StringComparison.Ordinal);
        Assert.Equal(JobErrorCodes.OutOfMemory, JobErrorCodes.FromReason(failure.Message));
    }

    [Fact]
    public void Classify_AFailureThatIsNotOutOfMemory_ReadsBackAsTrainingFailed()
    {
        JobFailure failure = JobErrorClassifier.Classify(new IOException("disk full"));

        Assert.Equal(JobErrorCodes.TrainingFailed, JobErrorCodes.FromReason(failure.Message));
    }

    [Fact]
    public void Classify_AnythingElse_IsTransientNamingTheType()
    {
        JobFailure failure = JobErrorClassifier.Classify(new IOException("disk full"));

        Assert.False(failure.Permanent);
        Assert.Equal("IOException: disk full", failure.Message);
    }

    [Fact]
    public void Classify_HubTransferFailure_IsTransient()
    {
        Assert.False(JobErrorClassifier.Classify(new HubException("503") { Kind = HubErrorKind.Transfer }).Permanent);
    }

    [Fact]
    public void Classify_VeryLongMessage_IsCut()
    {
        JobFailure failure = JobErrorClassifier.Classify(new PermanentJobException(new string('x', 10_000)));

        Assert.Equal(JobErrorClassifier.MaxMessageLength, failure.Message.Length);
    }

    [Fact]
    public void Classify_ArgumentException_DropsTheDotNetParameterName()
    {
        JobFailure failure = JobErrorClassifier.Classify(new ArgumentException("'x' is neither an existing directory nor a hub repository id of the form org/name.", "modelOrPath"));

        Assert.True(failure.Permanent);
        Assert.Equal("'x' is neither an existing directory nor a hub repository id of the form org/name.", failure.Message);
    }
}
