using FineTune.Contracts.Configs;
using FineTune.Torch;
using FineTune.Training.Model;

namespace FineTune.Training.Lora;

/// <summary>
/// LoRA adapters attached to a <see cref="Transformer"/>'s targeted linear layers. The base weights stay frozen
/// (they never require grad); only A and B train. Disposing detaches and frees the adapters, leaving the base model.
/// </summary>
public sealed class LoraModel : IDisposable
{
    private readonly List<LoraLinear> _adapters = new();
    private LoraParameterBuffer? _buffer;
    private readonly SharedInputCast _inputCast = new();

    private LoraModel(Transformer model, LoraConfig config)
    {
        Model = model;
        Config = config;
    }

    /// <summary>The base model.</summary>
    public Transformer Model { get; }

    /// <summary>The adapter settings.</summary>
    public LoraConfig Config { get; }

    /// <summary>The adapters in model order.</summary>
    public IReadOnlyList<LoraLinear> Adapters => _adapters;

    /// <summary>Trainable tensors keyed by their PEFT names (<c>base_model.model.….lora_A.weight</c>).</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedParameters =>
        _adapters.SelectMany(a => new[]
        {
            KeyValuePair.Create(PeftKey(a.Target.Name, "lora_A"), a.A),
            KeyValuePair.Create(PeftKey(a.Target.Name, "lora_B"), a.B),
        });

    /// <summary>
    /// Every A and B back to back in <see cref="NamedParameters"/> order: one tensor whose slices the matrices are, so
    /// whole-model updates (AdamW, clipping) are a few ops. Null once disposed.
    /// </summary>
    public Tensor? FlatValues => _buffer?.Values;

    /// <summary>The gradients of <see cref="FlatValues"/>, laid out alike; each matrix's <c>.grad</c> is its slice.</summary>
    public Tensor? FlatGradients => _buffer?.Gradients;

    /// <summary>Number of trainable parameters.</summary>
    public long TrainableParameterCount => _adapters.Sum(a => a.A.numel() + a.B.numel());

    /// <summary>Attaches fresh adapters (A from the generator, B zero) to every targeted layer.</summary>
    public static LoraModel Attach(Transformer model, LoraConfig config, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        List<Linear> targets = model.Linears.Where(l => config.Targets(l.Name)).ToList();
        if (targets.FirstOrDefault(l => l.Adapter is not null) is { } adapted)
        {
            throw new InvalidOperationException($"{adapted.Name} already has an adapter");
        }
        var lora = new LoraModel(model, config);
        long elements = targets.Sum(l => config.Rank * (l.InFeatures + l.OutFeatures));
        lora._buffer = new LoraParameterBuffer(elements, LoraLinear.ParameterDType(model.DType), model.Device);
        foreach (Linear layer in targets)
        {
            var adapter = new LoraLinear(layer, config, generator, lora._buffer) { InputCast = lora._inputCast };
            layer.Adapter = adapter;
            lora._adapters.Add(adapter);
        }
        return lora;
    }

    /// <summary>The PEFT state-dict key of one LoRA matrix.</summary>
    public static string PeftKey(string modulePath, string matrix) => $"base_model.model.{modulePath}.{matrix}.weight";

    /// <summary>
    /// Drops the input copy the adapters share (<see cref="SharedInputCast"/>); the trainer calls it after each
    /// backward so the copy is held no longer than autograd needs it.
    /// </summary>
    public void ReleaseSharedInput() => _inputCast.Release();

    /// <summary>Switches dropout on (training) or off (evaluation, generation).</summary>
    public void SetTraining(bool training)
    {
        foreach (LoraLinear adapter in _adapters)
        {
            adapter.Training = training;
        }
    }

    /// <summary>Folds every adapter into its base weight (for export of a merged model); see <see cref="Unmerge"/>.</summary>
    public void Merge() => _adapters.ForEach(a => a.Merge());

    /// <summary>Takes the adapters back out of the base weights.</summary>
    public void Unmerge() => _adapters.ForEach(a => a.Unmerge());

    /// <summary>Short names of the adapted modules, e.g. q_proj, v_proj (PEFT's target_modules).</summary>
    public IReadOnlyList<string> AdaptedModuleNames =>
        _adapters.Select(a => a.Target.Name[(a.Target.Name.LastIndexOf('.') + 1)..]).Distinct().ToList();

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (LoraLinear adapter in _adapters)
        {
            adapter.Unmerge();
            adapter.Target.Adapter = null;
            adapter.Dispose();
        }
        _adapters.Clear();
        _inputCast.Dispose();
        _buffer?.Dispose();
        _buffer = null;
    }
}
