using Cdat.ML.Directions;

namespace Cdat.ML;

/// <summary>
/// The base optimizer of <see cref="CdatTrainer.Options.Direction"/>, whose update at unit learning rate the tuner scales:
/// <see cref="AdamRule"/> (the default), <see cref="RmsPropRule"/>, <see cref="MomentumRule"/> or <see cref="GradientDescentRule"/>;
/// or a whole optimizer that sets its own step, run with a constant rate of 1: <see cref="ProdigyRule"/> or
/// <see cref="ScheduleFreeAdamWRule"/>.
/// </summary>
public abstract class DirectionRule
{
    private protected DirectionRule() { }

    /// <summary>True for whole optimizers that set their own step length and run with <c>Tuner = new ConstantRule(1)</c>.</summary>
    internal virtual bool SetsOwnStepLength => false;

    /// <summary>True when the direction keeps the weights to end with itself (no <c>WeightAverageDecay</c> then).</summary>
    internal virtual bool AveragesOwnWeights => false;

    /// <summary>Checks the settings against the weights' float type; the exception names the rule and the offending setting.</summary>
    internal abstract void Validate(bool float64);

    /// <summary>"RuleType.Setting": how messages name one of this rule's settings.</summary>
    private protected string Field(string setting) => $"{GetType().Name}.{setting}";

    /// <summary>A fresh direction (with empty state) for one training run.</summary>
    internal abstract IDirection Create();
}

/// <summary>Gradient descent: u = −g.</summary>
public sealed class GradientDescentRule : DirectionRule
{
    internal override void Validate(bool float64) { }
    internal override IDirection Create() => new GradientDescentDirection();
    /// <inheritdoc/>
    public override string ToString() => "GradientDescentRule";
}

/// <summary>Heavy-ball momentum.</summary>
public sealed class MomentumRule : DirectionRule
{
    /// <summary>Momentum μ in [0, 1). Default <see cref="MomentumDirection.DefaultMomentum"/> (0.9).</summary>
    public double Momentum { get; init; } = MomentumDirection.DefaultMomentum;
    internal override void Validate(bool float64) => Check.InRange(Momentum, 0, 1, Field(nameof(Momentum)));
    internal override IDirection Create() => new MomentumDirection(Momentum);
    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"MomentumRule({Momentum:G3})");
}

/// <summary>RMSProp (optax semantics).</summary>
public sealed class RmsPropRule : DirectionRule
{
    /// <summary>Decay of the second-moment average, in [0, 1). Default <see cref="RmsPropDirection.DefaultDecay"/> (0.9).</summary>
    public double Decay { get; init; } = RmsPropDirection.DefaultDecay;
    internal override void Validate(bool float64) => Check.InRange(Decay, 0, 1, Field(nameof(Decay)));
    internal override IDirection Create() => new RmsPropDirection(Decay);
    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"RmsPropRule({Decay:G3})");
}

/// <summary>Adam (optax semantics).</summary>
public sealed class AdamRule : DirectionRule
{
    /// <summary>β1 in [0, 1). Default <see cref="AdamDirection.DefaultBeta1"/> (0.9).</summary>
    public double Beta1 { get; init; } = AdamDirection.DefaultBeta1;
    /// <summary>β2 in [0, 1). Default <see cref="AdamDirection.DefaultBeta2"/> (0.999).</summary>
    public double Beta2 { get; init; } = AdamDirection.DefaultBeta2;
    internal override void Validate(bool float64)
    {
        Check.InRange(Beta1, 0, 1, Field(nameof(Beta1)));
        Check.InRange(Beta2, 0, 1, Field(nameof(Beta2)));
    }
    internal override IDirection Create() => new AdamDirection(Beta1, Beta2);
    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"AdamRule(β1={Beta1:G3}, β2={Beta2:G3})");
}

/// <summary>
/// Prodigy (Mishchenko &amp; Defazio, 2023): Adam whose step length is an estimate of the distance to the solution, grown
/// from a tiny start. It is a whole optimizer: pair it with <c>Tuner = new ConstantRule(1)</c>.
/// </summary>
public sealed class ProdigyRule : DirectionRule
{
    /// <summary>β1 in [0, 1). Default 0.9.</summary>
    public double Beta1 { get; init; } = 0.9;
    /// <summary>β2 in [0, 1). Default 0.999.</summary>
    public double Beta2 { get; init; } = 0.999;
    /// <summary>The first distance estimate d₀ &gt; 0. Default 1e-6.</summary>
    public double InitialD { get; init; } = 1e-6;
    internal override void Validate(bool float64)
    {
        Check.InRange(Beta1, 0, 1, Field(nameof(Beta1)));
        Check.InRange(Beta2, 0, 1, Field(nameof(Beta2)));
        // d² scales the second moments, so d itself stays below the root of the largest number.
        Precision.RequireFits(InitialD, InitialD > 0, Field(nameof(InitialD)), float64, "greater than 0", squared: true);
    }
    internal override bool SetsOwnStepLength => true;
    internal override IDirection Create() => new ProdigyDirection(beta1: Beta1, beta2: Beta2, initialD: InitialD);
    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"ProdigyRule(β1={Beta1:G3}, β2={Beta2:G3})");
}

/// <summary>
/// Schedule-free AdamW (Defazio et al., 2024): AdamW steps on one sequence, a running average of it as the weights to keep,
/// and gradients taken between the two, so that no schedule is needed. It is a whole optimizer with its own learning rate:
/// pair it with <c>Tuner = new ConstantRule(1)</c>. The model ends with the average.
/// </summary>
public sealed class ScheduleFreeAdamWRule : DirectionRule
{
    /// <summary>η &gt; 0. Default <see cref="ScheduleFreeAdamWDirection.DefaultLearningRate"/> (0.0025, the authors' default).</summary>
    public double LearningRate { get; init; } = ScheduleFreeAdamWDirection.DefaultLearningRate;
    /// <summary>β1 in [0, 1), the interpolation between the average and the AdamW sequence. Default 0.9.</summary>
    public double Beta1 { get; init; } = ScheduleFreeAdamWDirection.DefaultBeta1;
    /// <summary>β2 in [0, 1). Default 0.999.</summary>
    public double Beta2 { get; init; } = ScheduleFreeAdamWDirection.DefaultBeta2;
    /// <summary>Decoupled weight decay ≥ 0, applied at the point the gradient is taken. Default 0. (The trainer's <c>WeightDecay</c> is an L2 term of the loss; the two add up.)</summary>
    public double WeightDecay { get; init; }
    /// <summary>Steps of linear warm-up ≥ 0. Default 0.</summary>
    public int WarmupSteps { get; init; }
    internal override bool SetsOwnStepLength => true;
    internal override bool AveragesOwnWeights => true;
    internal override void Validate(bool float64)
    {
        Precision.RequireFits(LearningRate, LearningRate > 0, Field(nameof(LearningRate)), float64, "greater than 0");
        Check.InRange(Beta1, 0, 1, Field(nameof(Beta1)));
        Check.InRange(Beta2, 0, 1, Field(nameof(Beta2)));
        // Each step decays the weights by η·λ.
        Check.Require(double.IsFinite(WeightDecay) && WeightDecay >= 0 && WeightDecay * LearningRate <= Precision.Largest(float64), Field(nameof(WeightDecay)),
            FormattableString.Invariant($"must be ≥ 0, with η·λ at most {Precision.Largest(float64):G3} (the largest {Precision.Name(float64)})"), WeightDecay);
        Check.Require(WarmupSteps >= 0, Field(nameof(WarmupSteps)), "must be ≥ 0");
    }
    internal override IDirection Create() => new ScheduleFreeAdamWDirection(LearningRate, Beta1, Beta2, weightDecay: WeightDecay, warmupSteps: WarmupSteps);
    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant(
        $"ScheduleFreeAdamWRule(η={LearningRate:G3}, β1={Beta1:G3}, β2={Beta2:G3}{(WeightDecay > 0 ? $", λ={WeightDecay:G3}" : "")}{(WarmupSteps > 0 ? $", warm-up {WarmupSteps}" : "")})");
}
