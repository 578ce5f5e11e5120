using Cdat.ML.Directions;

namespace Cdat.ML;

/// <summary>
/// The base optimizer of <see cref="CdatTrainer.Options.Direction"/>, whose update at unit learning rate the tuner scales:
/// <see cref="AdamRule"/> (the default), <see cref="RmsPropRule"/>, <see cref="MomentumRule"/> or <see cref="GradientDescentRule"/>.
/// </summary>
public abstract class DirectionRule
{
    private protected DirectionRule() { }

    internal abstract void Validate();

    /// <summary>A fresh direction (with empty state) for one training run.</summary>
    internal abstract IDirection Create();
}

/// <summary>Gradient descent: u = −g.</summary>
public sealed class GradientDescentRule : DirectionRule
{
    internal override void Validate() { }
    internal override IDirection Create() => new GradientDescentDirection();
    /// <inheritdoc/>
    public override string ToString() => "GradientDescentRule";
}

/// <summary>Heavy-ball momentum.</summary>
public sealed class MomentumRule : DirectionRule
{
    /// <summary>Momentum μ in [0, 1). Default <see cref="MomentumDirection.DefaultMomentum"/> (0.9).</summary>
    public double Momentum { get; init; } = MomentumDirection.DefaultMomentum;
    internal override void Validate() => Check.Require(Momentum >= 0 && Momentum < 1, nameof(Momentum), "must lie in [0, 1)");
    internal override IDirection Create() => new MomentumDirection(Momentum);
    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"MomentumRule({Momentum:G3})");
}

/// <summary>RMSProp (optax semantics).</summary>
public sealed class RmsPropRule : DirectionRule
{
    /// <summary>Decay of the second-moment average, in [0, 1). Default <see cref="RmsPropDirection.DefaultDecay"/> (0.9).</summary>
    public double Decay { get; init; } = RmsPropDirection.DefaultDecay;
    internal override void Validate() => Check.Require(Decay >= 0 && Decay < 1, nameof(Decay), "must lie in [0, 1)");
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
    internal override void Validate()
    {
        Check.Require(Beta1 >= 0 && Beta1 < 1, nameof(Beta1), "must lie in [0, 1)");
        Check.Require(Beta2 >= 0 && Beta2 < 1, nameof(Beta2), "must lie in [0, 1)");
    }
    internal override IDirection Create() => new AdamDirection(Beta1, Beta2);
    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"AdamRule(β1={Beta1:G3}, β2={Beta2:G3})");
}
