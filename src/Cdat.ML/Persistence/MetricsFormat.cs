namespace Cdat.ML.Persistence;

/// <summary>The binary layout of <see cref="CdatTrainingMetrics"/> inside the Cdat model format.</summary>
internal static class MetricsFormat
{
    public static void Write(BinaryWriter w, CdatTrainingMetrics m)
    {
        w.Write(m.FinalTrainingLoss); w.Write(m.BestTrainingLoss); WriteNullable(w, m.ValidationLoss);
        w.Write(m.Steps); w.Write(m.Epochs); w.Write(m.MeanLearningRate); w.Write(m.FinalLearningRate);
        WriteNullable(w, m.MaxSharpness); WriteNullable(w, m.EdgeFraction);
        w.Write(m.NonDescentSteps); w.Write(m.LineSearchTrials); w.Write(m.Diverged); w.Write(m.RolledBack);
        w.Write(m.StopReason); w.Write(m.TrainingSeconds); w.Write(m.Tuner); w.Write(m.Direction); w.Write(m.Device);
        // Format version 2.
        w.Write(m.Regime.BatchSize); w.Write(m.Regime.TrainingRows); w.Write(m.Regime.ValidationRows); w.Write(m.Regime.HeldOut); w.Write(m.Regime.Description);
        // Format version 3.
        WriteNullable(w, m.ValidationMetric); w.Write(m.ValidationMetricName);
    }

    public static CdatTrainingMetrics Read(BinaryReader r, ushort version) => new(
        r.ReadDouble(), r.ReadDouble(), ReadNullable(r), r.ReadInt64(), r.ReadInt32(), r.ReadDouble(), r.ReadDouble(),
        ReadNullable(r), ReadNullable(r), r.ReadInt64(), r.ReadInt64(), r.ReadBoolean(), r.ReadBoolean(),
        r.ReadString(), r.ReadDouble(), r.ReadString(), r.ReadString(), r.ReadString(),
        version >= 2 ? new CdatRegime(r.ReadInt32(), r.ReadInt64(), r.ReadInt64(), r.ReadBoolean(), r.ReadString()) : CdatRegime.Unknown,
        version >= 3 ? ReadNullable(r) : null, version >= 3 ? r.ReadString() : "");

    private static void WriteNullable(BinaryWriter w, double? value)
    {
        w.Write(value.HasValue);
        w.Write(value ?? 0.0);
    }

    private static double? ReadNullable(BinaryReader r)
    {
        bool has = r.ReadBoolean();
        double value = r.ReadDouble();
        return has ? value : null;
    }
}
