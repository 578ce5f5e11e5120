using Cdat.ML.Directions;
using Cdat.ML.MLNet;
using Cdat.ML.Tuners;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Cdat.ML.Tests.MLNet;

/// <summary>What the trainer chooses when only column names are given, and the v2 options that choose otherwise.</summary>
[TestClass]
public sealed class DefaultsTests
{
    public TestContext TestContext { get; set; } = null!;

    private sealed class Wide { [VectorType(50)] public float[] Features { get; set; } = []; public float Label { get; set; } }

    /// <summary>6000 rows × 50 features: 300,000 values, above the full-batch limit.</summary>
    private static IDataView WideData(MLContext ml)
    {
        var random = new Random(5);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, 6000).Select(_ =>
        {
            var x = Enumerable.Range(0, 50).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            return new Wide { Features = x, Label = x[0] - 2 * x[1] + 0.1f * (float)random.NextDouble() };
        }).ToList());
    }

    [TestMethod]
    public void DataUnderAThousandRowsTrainFiveFoldNetworks()
    {
        var ml = new MLContext(seed: 1);
        var (train, _) = Datasets.BreastCancer(ml);
        var model = Datasets.BreastCancerPrep(ml).Append(ml.BinaryClassification.Trainers.Cdat()).Fit(train);
        var metrics = model.LastTransformer.TrainingMetrics;
        TestContext.WriteLine(metrics.ToString());
        long rows = train.GetColumn<bool>("Label").LongCount();
        Assert.IsTrue(rows is >= 200 and < 1000, $"{rows} rows");
        Assert.IsTrue(metrics.Regime.IsFullBatch);
        StringAssert.Contains(metrics.Regime.Description, "5-fold ensemble");
        Assert.AreEqual(rows, metrics.Regime.TrainingRows, "every row is trained on by four of the five networks");
        Assert.AreEqual(5 * 64, model.LastTransformer.Model.Network.Layers[0].Outputs);
    }

    [TestMethod]
    public void FullBatchDataOfAThousandRowsOrMoreHoldATenthOut()
    {
        var ml = new MLContext(seed: 1);
        var (train, _) = Datasets.Digits(ml);
        // Without bins: digits' 64 pixels over 16 bins read up to 1,088 inputs, past full batch's 2^18 values.
        var model = Datasets.DigitsPrep(ml).Append(ml.MulticlassClassification.Trainers.Cdat(new CdatTrainer.Options { MaxSteps = 30, PiecewiseLinearBins = 0 })).Fit(train);
        var metrics = model.LastTransformer.TrainingMetrics;
        long rows = train.GetColumn<float>("Digit").LongCount();
        Assert.IsTrue(metrics.Regime.IsFullBatch);
        Assert.IsTrue(metrics.Regime.HeldOut);
        Assert.AreEqual((long)Math.Round(0.1 * rows), metrics.Regime.ValidationRows);
        Assert.AreEqual(rows, metrics.Regime.TrainingRows + metrics.Regime.ValidationRows);
        Assert.IsNotNull(metrics.ValidationLoss);
        Assert.AreEqual(64, model.LastTransformer.Model.Network.Layers[0].Outputs);
    }

    [TestMethod]
    [DataRow(150, true)]
    [DataRow(30, false)]
    public void DataTooSmallForATenthTrainsFiveFoldNetworksFromFortyRows(int rows, bool folds)
    {
        // The defaults chosen leave one set out: robust input scaling, λ by the rows, and five fold networks for 40-199 rows.
        var options = new CdatTrainer.Options();
        Assert.AreEqual(Cdat.ML.Data.InputScaling.Robust, options.InputScaling);
        Assert.IsNull(options.WeightDecay);
        Assert.AreEqual(5, options.SmallDataFolds);
        Assert.AreEqual(16, options.PiecewiseLinearBins);
        var ml = new MLContext(seed: 1);
        var (train, _) = Datasets.BreastCancer(ml);
        var data = ml.Data.TakeRows(Datasets.BreastCancerPrep(ml).Fit(train).Transform(train), rows);
        var model = ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 1, MaxSteps = 30 }).Fit(data);
        var regime = model.TrainingMetrics.Regime;
        StringAssert.Contains(regime.Description, "robust input scaling");
        Assert.AreEqual(folds, regime.Description.Contains("5-fold ensemble", StringComparison.Ordinal), regime.Description);
        Assert.AreEqual(folds ? 5 * 64 : 64, model.Model.Network.Layers[0].Outputs);
        Assert.AreEqual(0, regime.ValidationRows, "no tenth is held out under 200 rows");
        StringAssert.Contains(regime.Description, FormattableString.Invariant($"L2 penalty λ {0.3 / rows:G2}"), "the penalty of the rows given, for every fold");
    }

    [TestMethod]
    [DataRow(200L, 1.5e-3)]
    [DataRow(1_000L, 3e-4)]
    [DataRow(3_000L, 1e-4)]
    [DataRow(10_000L, 1e-4)]
    [DataRow(1_000_000L, 1e-4)]
    public void TheL2PenaltyWeighsLessAsTheRowsGrow(long rows, double expected) =>
        Assert.AreEqual(expected, TrainingPlan.WeightDecayFor(rows), expected * 1e-12);

    [TestMethod]
    public void AContinuedRunTakesThePenaltyOfTheRowsItIsGiven()
    {
        var ml = new MLContext(seed: 1);
        var (train, _) = Datasets.BreastCancer(ml);
        var data = Datasets.BreastCancerPrep(ml).Fit(train).Transform(train);
        var trainer = ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 1, MaxSteps = 5 });
        int rows = data.Preview(maxRows: 100_000).RowView.Length;
        var first = trainer.Fit(data);
        var next = trainer.Fit(ml.Data.TakeRows(data, 100), first.Model);
        StringAssert.Contains(first.TrainingMetrics.Regime.Description, FormattableString.Invariant($"L2 penalty λ {0.3 / rows:G2}"));
        StringAssert.Contains(next.TrainingMetrics.Regime.Description, FormattableString.Invariant($"L2 penalty λ {0.3 / 100:G2}"), $"the 100 rows given, not the model's {rows}");
    }

    [TestMethod]
    [DataRow(0.0, "")]
    [DataRow(0.05, "L2 penalty λ 0.05")]
    public void AnL2PenaltyTheUserSetsIsTheOneUsed(double weightDecay, string expected)
    {
        var ml = new MLContext(seed: 1);
        var (train, _) = Datasets.BreastCancer(ml);
        var data = ml.Data.TakeRows(Datasets.BreastCancerPrep(ml).Fit(train).Transform(train), 150);
        var regime = ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 1, MaxSteps = 5, WeightDecay = weightDecay }).Fit(data).TrainingMetrics.Regime;
        Assert.AreEqual(expected != "", regime.Description.Contains("L2 penalty", StringComparison.Ordinal), regime.Description);
        if (expected != "") StringAssert.Contains(regime.Description, expected);
    }

    [TestMethod]
    public void WiderDataTrainsInMiniBatchesAndSaysSoInTheLog()
    {
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("Cdat: training")) lock (log) log.Add(e.Message); };
        var model = ml.Regression.Trainers.Cdat(new CdatTrainer.Options { MaxEpochs = 2 }).Fit(WideData(ml));
        var regime = model.TrainingMetrics.Regime;
        TestContext.WriteLine(regime.Description);
        Assert.AreEqual(TrainingPlan.MiniBatchRows, regime.BatchSize);
        Assert.AreEqual(600, regime.ValidationRows);
        Assert.AreEqual(5400, regime.TrainingRows);
        Assert.AreEqual(1, log.Count, string.Join("\n", log));
        StringAssert.Contains(log[0], $"mini-batches of {TrainingPlan.MiniBatchRows}");
        StringAssert.Contains(log[0], "600 validation rows (held out)");
        StringAssert.Contains(log[0], "weights averaged (β 0.99)");
        StringAssert.Contains(log[0], "L2 penalty λ 0.0001", "the least penalty on the 6000 rows given");
        StringAssert.Contains(log[0], "learning rate ×0.5 after 4 checks without improvement", "half the mini-batch patience of 8");
        StringAssert.Contains(model.TrainingMetrics.Tuner, "sigma=1.5");
    }

    [TestMethod]
    public void TheRateFallsOnAPlateauInMiniBatchOnlyUnlessTheUserSaysOtherwise()
    {
        TrainingPlan Plan(int? batch, bool validation = true, double? factor = null) =>
            TrainingPlan.For(20_000, 16, batch, null, null, null, null, validation, plateauRateFactor: factor);
        Assert.AreEqual(TrainingPlan.MiniBatchPlateauRateFactor, Plan(256).PlateauRateFactor);
        Assert.IsNull(Plan(null).PlateauRateFactor, "full batch keeps its rate");
        Assert.AreEqual(0.3, Plan(null, factor: 0.3).PlateauRateFactor, "the user's factor, in full batch too");
        Assert.IsNull(Plan(256, factor: 1).PlateauRateFactor, "1: never");
        Assert.IsNull(Plan(256, validation: false).PlateauRateFactor, "no validation, no plateau to see");
        Assert.IsNull(TrainingPlan.For(20_000, 16, 256, null, null, null, 1, true).PlateauRateFactor, "a patience of 1 leaves no check between a fall and the stop");
        Assert.AreEqual(Plan(256).PlateauRateFactor, Plan(256).EngineOptions(new CdatTrainer.Options(), 0, "cpu", ValidationMetrics.For(CdatTask.Regression)).PlateauRateFactor);
        StringAssert.Contains(Plan(256).Describe(18_000, 2_000, heldOut: true), "learning rate ×0.5 after 4 checks without improvement");
        Assert.IsFalse(Plan(null).Describe(18_000, 2_000, heldOut: true).Contains("learning rate ×", StringComparison.Ordinal));
    }

    [TestMethod]
    public void ADirectionThatSetsItsOwnStepLengthKeepsItsRateOnAPlateau()
    {
        var ml = new MLContext(seed: 1);
        var options = new CdatTrainer.Options { Direction = new ScheduleFreeAdamWRule(), Tuner = new ConstantRule(1), MaxEpochs = 2 };
        var regime = ml.Regression.Trainers.Cdat(options).Fit(WideData(ml)).TrainingMetrics.Regime;
        Assert.AreEqual(TrainingPlan.MiniBatchRows, regime.BatchSize);
        Assert.IsFalse(regime.Description.Contains("learning rate ×", StringComparison.Ordinal), regime.Description);
        // Asked for, it is refused by name: halving such an update is another algorithm, not a smaller step.
        options.PlateauRateFactor = 0.5;
        Assert.AreEqual(nameof(CdatTrainer.Options.PlateauRateFactor),
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Cdat(options)).ParamName);
    }

    [TestMethod]
    public void AZeroValidationFractionTrainsOnEveryRowAndNeverStopsEarly()
    {
        var ml = new MLContext(seed: 1);
        var (train, _) = Datasets.Diabetes(ml);
        var model = Datasets.DiabetesPrep(ml).Append(ml.Regression.Trainers.Cdat(new CdatTrainer.Options { ValidationFraction = 0, MaxEpochs = 40 })).Fit(train);
        var metrics = model.LastTransformer.TrainingMetrics;
        Assert.AreEqual(0, metrics.Regime.ValidationRows);
        Assert.IsFalse(metrics.Regime.HeldOut);
        Assert.IsNull(metrics.ValidationLoss);
        Assert.AreEqual(40, metrics.Steps);
        StringAssert.Contains(metrics.Regime.Description, "no validation");
    }

    [TestMethod]
    public void TheRegimeIsSavedWithTheModel()
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Regression.Trainers.Cdat(new CdatTrainer.Options { MaxEpochs = 1 }).Fit(WideData(ml));
        string path = Path.Combine(Path.GetTempPath(), $"cdat-regime-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, null, path);
            var loaded = CdatModel.FromLoaded(ml.Model.Load(path, out _)).Single();
            Assert.AreEqual(model.TrainingMetrics.Regime, loaded.TrainingMetrics.Regime);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void TheStepBudgetShrinksForWideFeaturesAndKeepsAFewEpochs()
    {
        // 6000 steps of 256 rows for 100 features; for 50,000 text n-grams, the steps that read 2^30 values: 83.
        var narrow = TrainingPlan.For(20_000, 100, 256, null, null, null, null, hasValidation: true);
        var wide = TrainingPlan.For(4_000, 50_000, 256, null, null, null, null, hasValidation: true);
        var huge = TrainingPlan.For(100_000, 50_000, 256, null, null, null, null, hasValidation: true);
        Assert.AreEqual(76, narrow.Epochs);  // ⌈6000 / 79⌉
        Assert.AreEqual(6, wide.Epochs);  // ⌈83 / 16⌉
        Assert.AreEqual(TrainingPlan.MinEpochs, huge.Epochs);  // 83 steps are less than one epoch of 391: at least 3 epochs
        Assert.IsTrue(TrainingPlan.PrefersFullBatch(1000, 64));
        Assert.IsFalse(TrainingPlan.PrefersFullBatch(5000, 10));
        Assert.IsFalse(TrainingPlan.PrefersFullBatch(1000, 1000));
        Assert.AreEqual(TrainingPlan.FullBatchPatience, TrainingPlan.For(1000, 64, null, null, null, null, null, true).Patience);
        Assert.IsNull(TrainingPlan.For(1000, 64, null, null, null, null, 0, true).Patience);
        Assert.IsNull(TrainingPlan.For(1000, 64, null, null, null, null, null, false).Patience);
        // σ and weight averaging: by regime and loss, unless set.
        Assert.AreEqual(TrainingPlan.FullBatchSigma, TrainingPlan.For(1000, 64, null, null, null, null, null, true).Sigma);
        Assert.IsNull(TrainingPlan.For(1000, 64, null, null, null, null, null, true).AverageDecay);
        Assert.AreEqual(TrainingPlan.MiniBatchSigmaCrossEntropy, narrow.Sigma);
        Assert.AreEqual(TrainingPlan.MiniBatchAverageDecay, narrow.AverageDecay);
        Assert.AreEqual(TrainingPlan.MiniBatchSigmaSquaredError, TrainingPlan.For(20_000, 100, 256, null, null, null, null, true, squaredError: true).Sigma);
        Assert.IsNull(TrainingPlan.For(20_000, 100, 256, null, null, null, null, true, averageDecay: 0).AverageDecay);
        Assert.AreEqual(0.9, TrainingPlan.For(1000, 64, null, null, null, null, null, true, averageDecay: 0.9).AverageDecay);
    }

    [TestMethod]
    public void TheStepBudgetAndSigmaFollowABatchSizeTheUserSets()
    {
        TrainingPlan At(int batch, bool squaredError = false) => TrainingPlan.For(20_000, 16, batch, null, null, null, null, hasValidation: true, squaredError);
        long Steps(TrainingPlan plan) => plan.Epochs * ((20_000 + plan.BatchSize!.Value - 1) / plan.BatchSize.Value);
        // At the default 256 rows: about 6000 steps and the loss's σ, as before.
        Assert.AreEqual(TrainingPlan.MiniBatchSigmaCrossEntropy, At(256).Sigma);
        Assert.AreEqual(TrainingPlan.MiniBatchSigmaSquaredError, At(256, squaredError: true).Sigma);
        Assert.AreEqual(76, At(256).Epochs);                          // ⌈6000 / 79⌉
        // Smaller batches: more steps (3000·(1 + 256/32) = 27,000 at 32 rows) and a smaller σ (× √(32/256)).
        Assert.AreEqual(27_000, TrainingPlan.MiniBatchStepsAt(32));
        Assert.IsTrue(Steps(At(32)) >= 27_000 && Steps(At(32)) < 27_000 + 625, $"{Steps(At(32))} steps");
        Assert.AreEqual(TrainingPlan.MiniBatchSigmaCrossEntropy * Math.Sqrt(32 / 256.0), At(32).Sigma, 1e-12);
        // Larger batches: fewer steps (3375 at 2048 rows, beyond 100 epochs of 10 steps), σ toward the full-batch σ and never past it.
        Assert.AreEqual(3_375, TrainingPlan.MiniBatchStepsAt(2048));
        Assert.AreEqual(338, At(2048).Epochs);                        // ⌈3375 / 10⌉, within 100·2048/256 = 800 epochs
        Assert.AreEqual(TrainingPlan.MiniBatchSigmaCrossEntropy * Math.Sqrt(8), At(2048).Sigma, 1e-12);
        Assert.AreEqual(TrainingPlan.FullBatchSigma, At(2048, squaredError: true).Sigma);
        int[] sizes = { 16, 32, 64, 128, 256, 512, 1024, 2048, 4096 };
        foreach (bool squared in new[] { false, true })
            for (int i = 1; i < sizes.Length; i++)
            {
                Assert.IsTrue(At(sizes[i], squared).Sigma >= At(sizes[i - 1], squared).Sigma, $"σ grows with the batch ({sizes[i]} rows)");
                Assert.IsTrue(At(sizes[i], squared).Sigma <= TrainingPlan.FullBatchSigma);
                Assert.IsTrue(TrainingPlan.MiniBatchStepsAt(sizes[i]) < TrainingPlan.MiniBatchStepsAt(sizes[i - 1]), "fewer steps as the batch grows");
            }
    }

    [TestMethod]
    public void MLContextGpuDeviceIdIsHonouredWithItsFallback()
    {
        if (torch.cuda.is_available()) Assert.Inconclusive("CUDA is available here; this test checks the CPU-only path.");
        var ml = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = false };
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Regression.Trainers.Cdat(new CdatTrainer.Options { MaxEpochs = 1 }).Fit(WideData(ml)));
        StringAssert.Contains(e.Message, "GpuDeviceId");
        ml.FallbackToCpu = true;
        var model = ml.Regression.Trainers.Cdat(new CdatTrainer.Options { MaxEpochs = 1 }).Fit(WideData(ml));
        Assert.AreEqual("cpu", model.TrainingMetrics.Device);
        // An explicit Device wins over the MLContext.
        ml.FallbackToCpu = false;
        Assert.AreEqual("cpu", ml.Regression.Trainers.Cdat(new CdatTrainer.Options { MaxEpochs = 1, Device = "cpu" }).Fit(WideData(ml)).TrainingMetrics.Device);
    }

    [TestMethod]
    [DataRow("cdat", "adam")]
    [DataRow("constant", "gd")]
    [DataRow("schedule", "momentum")]
    [DataRow("armijo", "rmsprop")]
    [DataRow("polyak", "adam")]
    [DataRow("dog", "gd")]
    [DataRow("constant", "prodigy")]
    [DataRow("constant", "schedule-free")]
    public void EveryRuleAndDirectionIsReachableFromTheOptions(string tuner, string direction)
    {
        LearningRateRule rule = tuner switch
        {
            "cdat" => new CdatRule { Sigma = 1.5 },
            "constant" => new ConstantRule(0.05),
            "schedule" => new ScheduleRule { PeakLearningRate = 0.05, WarmupSteps = 2 },
            "armijo" => new ArmijoRule(),
            "dog" => new DogRule(),
            _ => new PolyakRule { C = 2 },
        };
        DirectionRule update = direction switch
        {
            "gd" => new GradientDescentRule(),
            "momentum" => new MomentumRule { Momentum = 0.5 },
            "rmsprop" => new RmsPropRule(),
            "prodigy" => new ProdigyRule(),
            "schedule-free" => new ScheduleFreeAdamWRule { LearningRate = 0.01 },
            _ => new AdamRule { Beta1 = 0.8 },
        };
        var ml = new MLContext(seed: 1);
        var (train, _) = Datasets.Diabetes(ml);
        var model = Datasets.DiabetesPrep(ml).Append(ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Tuner = rule, Direction = update, MaxEpochs = 5 })).Fit(train);
        var metrics = model.LastTransformer.TrainingMetrics;
        TestContext.WriteLine($"{metrics.Tuner} / {metrics.Direction}");
        StringAssert.StartsWith(metrics.Tuner, tuner == "polyak" ? "polyak-max(c=2" : tuner == "cdat" ? "cdat(sigma=1.5" : tuner);
        StringAssert.StartsWith(metrics.Direction, direction == "momentum" ? "momentum(0.5" : direction);
    }

    [TestMethod]
    public void EachKnobHasOneDefaultInTheEngineAndTheTrainer()
    {
        Assert.AreEqual(CdatTuner.DefaultBeta, new CdatRule().EmaBeta);
        Assert.AreEqual(CdatTuner.DefaultEpsilon, new CdatRule().Epsilon);
        Assert.AreEqual(CdatTuner.DefaultBeta, new CdatTuner(1).Beta);
        Assert.AreEqual(ArmijoTuner.DefaultMaxLearningRate, new ArmijoRule().MaxLearningRate);
        Assert.AreEqual(ArmijoTuner.DefaultMaxLearningRate, ArmijoTuner.FromPreset(ArmijoPreset.Optax).MaxLearningRate);
        Assert.AreEqual(PolyakTuner.DefaultMaxLearningRate, new PolyakRule().MaxLearningRate);
        Assert.AreEqual(PolyakTuner.DefaultMaxLearningRate, new PolyakTuner().MaxLearningRate);
        Assert.AreEqual(AdamDirection.DefaultBeta1, new AdamRule().Beta1);
        Assert.AreEqual(new AdamDirection().Beta2, new AdamRule().Beta2);
        Assert.AreEqual(new MomentumDirection().Momentum, new MomentumRule().Momentum);
        Assert.IsNull(new CdatTrainer.Options().WeightDecay, "the L2 penalty follows the rows by default");
        Assert.AreEqual(1e-4, TrainingPlan.WeightDecayFloor);
        Assert.AreEqual(0.3, TrainingPlan.WeightDecayRows);
        Assert.IsInstanceOfType<CdatRule>(new CdatTrainer.Options().Tuner);
        Assert.IsInstanceOfType<AdamRule>(new CdatTrainer.Options().Direction);
    }

    [TestMethod]
    public void RuleSettingsAreCheckedByName()
    {
        var ml = new MLContext(seed: 1);
        Assert.AreEqual("ScheduleRule.PeakLearningRate", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Tuner = new ScheduleRule { PeakLearningRate = -1 } })).ParamName);
        Assert.AreEqual("PolyakRule.C", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Tuner = new PolyakRule { C = 0 } })).ParamName);
        Assert.AreEqual("AdamRule.Beta2", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Direction = new AdamRule { Beta2 = 1 } })).ParamName);
        Assert.AreEqual("ProdigyRule.InitialD", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Direction = new ProdigyRule { InitialD = 0 } })).ParamName);
        Assert.AreEqual("ScheduleFreeAdamWRule.WarmupSteps", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Direction = new ScheduleFreeAdamWRule { WarmupSteps = -1 } })).ParamName);
        Assert.AreEqual("WeightAverageDecay", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Direction = new ScheduleFreeAdamWRule(), WeightAverageDecay = 0.9 })).ParamName);
        Assert.AreEqual("DogRule.RelativeInitialDistance", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Tuner = new DogRule { RelativeInitialDistance = -1 } })).ParamName);
        Assert.AreEqual("Tuner", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Tuner = null! })).ParamName);
        Assert.AreEqual("ValidationFraction", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Cdat(new CdatTrainer.Options { ValidationFraction = 1 })).ParamName);
        // Numbers that reach libtorch must fit the weights' type: float32 unless UseFloat64.
        var tooLarge = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Tuner = new ConstantRule(1e300) }));
        Assert.AreEqual("ConstantRule.LearningRate", tooLarge.ParamName);
        StringAssert.Contains(tooLarge.Message, "float32");
        ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Tuner = new ConstantRule(1e300), UseFloat64 = true });
        Assert.AreEqual("ProdigyRule.InitialD", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Direction = new ProdigyRule { InitialD = 1e20 } })).ParamName);
        Assert.AreEqual("ScheduleFreeAdamWRule.WeightDecay", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Direction = new ScheduleFreeAdamWRule { LearningRate = 10, WeightDecay = 1e38 } })).ParamName);
        Assert.AreEqual("WeightDecay", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Cdat(new CdatTrainer.Options { WeightDecay = 1e39 })).ParamName);
        Assert.AreEqual("CdatRule.Epsilon", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Tuner = new CdatRule { Epsilon = double.PositiveInfinity } })).ParamName);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Tuner = new CustomRule(() => null!), MaxEpochs = 1 }).Fit(WideData(ml)));
        StringAssert.Contains(e.Message, "CustomRule");
    }
}
