using Cdat.ML.Diagnostics;

namespace Cdat.ML.Training;

/// <summary>What a training run ends with: the weights the network keeps, and the result that says why.</summary>
internal static class EndOfRun
{
    /// <summary>
    /// Chooses the weights the network ends with, and says so in the result. A run that diverged, or ends with blown-up
    /// weights, goes back to the last good weights: the best validated ones when they predate the trouble, else the guard's
    /// checkpoint. Without validation data or averaging, so does a run whose smoothed loss ends far above its best. Otherwise
    /// the network ends with the best validated weights, or the average of the weights when one is kept.
    /// </summary>
    public static TrainingResult ChooseWeights(List<StepRecord> records, StopReason reason, long step, DivergenceGuard guard,
                                             EarlyStopping? stopping, AveragedWeights? average)
    {
        // The best step's record holds its loss and metric, whichever of them early stopping followed.
        var best = stopping?.BestStep is long bestStep ? records.LastOrDefault(r => r.Step == bestStep) : null;
        var result = new TrainingResult(records, reason) { BestValidationLoss = best?.ValidationLoss, BestValidationMetric = best?.ValidationMetric };
        bool diverging = reason == StopReason.Diverged || (guard.WeightsUnhealthy && reason != StopReason.EarlyStopped);
        bool endedWorse = !diverging && stopping is null && average is null && reason == StopReason.Completed && guard.EndedWorse;
        if (diverging || endedWorse)
        {
            result = result with { RolledBack = true, Divergence = diverging ? guard.Reason : guard.EndedWorseReason };
            // Step UnhealthySince measured its loss at step UnhealthySince − 1's weights: keep clear of both.
            if (stopping?.BestStep is long good && good < guard.UnhealthySince - 1)
            {
                stopping.RestoreBest();
                result = result with { RestoredStep = good, RestoredLoss = best?.ValidationLoss ?? stopping.BestLoss, AveragedWeights = average is not null };
            }
            else
            {
                guard.Restore();
                result = result with { RestoredStep = guard.CheckpointStep, RestoredLoss = guard.CheckpointLoss };
            }
            if (diverging && reason != StopReason.Cancelled)
            {
                if (records.Count > 0) records[^1] = records[^1] with { Flags = records[^1].Flags | StepFlags.Diverged };
                result = result with { StopReason = StopReason.Diverged };
            }
            return result;
        }
        if (stopping?.BestStep is long b && (b != step || average is not null))
        {
            stopping.RestoreBest();
            return result with { RestoredStep = b != step ? b : null, AveragedWeights = average is not null };
        }
        if (average is not null && step > 0 && average.HasAverage)
        {
            average.Restore();
            return result with { AveragedWeights = true };
        }
        return result;
    }
}
