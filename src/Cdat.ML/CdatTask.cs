namespace Cdat.ML;

/// <summary>The prediction task a <see cref="CdatTrainer"/> was created for.</summary>
public enum CdatTask
{
    /// <summary>Predict a Single; squared loss; outputs Score.</summary>
    Regression = 1,
    /// <summary>Predict a Boolean; logistic loss; outputs Score, Probability, PredictedLabel.</summary>
    BinaryClassification = 2,
    /// <summary>Predict a key; softmax cross-entropy; outputs Score (one slot per class) and PredictedLabel.</summary>
    MulticlassClassification = 3,
}
