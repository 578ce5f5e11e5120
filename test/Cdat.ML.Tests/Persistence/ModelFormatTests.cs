using Cdat.ML.Networks;
using Cdat.ML.Scoring;

namespace Cdat.ML.Tests.Persistence;

[TestClass]
public sealed class ModelFormatTests
{
    internal static CdatModelParameters Sample(int seed = 1, bool scaled = true, bool encoded = false)
    {
        var random = new Random(seed);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var layers = new[] { new DenseLayer(4, 5, Values(20), Values(5)), new DenseLayer(5, 3, Values(15), Values(3)) };
        var metrics = new CdatTrainingMetrics(0.1, 0.05, 0.2, 42, 7, 0.3, 0.4, 12.5, 0.25, 3, 11, false, true, "EarlyStopped", 1.5, "cdat(sigma=2)", "adam", "cpu");
        var scaler = scaled ? new FeatureScaler(Values(4), Values(4), 3f) : null;
        if (encoded)
        {
            // Features 0 and 2 as they are and over 3 and 2 bins, 1 and 3 as they are: 4 + 1 + 3 + 1 = 9 inputs to the first layer.
            var encoding = new PiecewiseLinearEncoding(new IReadOnlyList<float>?[] { new[] { -1f, 0f, 0.5f, 2f }, null, new[] { -0.2f, 0.1f, 0.3f }, null });
            scaler = new FeatureScaler(Values(4), Values(4), 3f, encoding);
            layers[0] = new DenseLayer(9, 5, Values(45), Values(5));
        }
        return new CdatModelParameters(CdatTask.MulticlassClassification, new MlpWeights(layers, Activation.Gelu, scaler), new[] { "cat", "dög", "emu" }, metrics);
    }

    /// <summary>What version 3 appends to an unscaled sample: no validation metric (a flag and 8 bytes), its empty name (1 byte), no scaler (a flag).</summary>
    private const int Version3Bytes = 1 + 8 + 1 + 1;

    /// <summary>A model file of an older <paramref name="version"/>, from today's bytes less what that version lacked at the payload's end.</summary>
    private static byte[] Older(CdatModelParameters model, ushort version, int bytesItLacked)
    {
        var bytes = model.ToBytes();
        Assert.AreEqual(3, BitConverter.ToUInt16(bytes, 6));
        return Framed(version, Payload(bytes)[..^bytesItLacked]);
    }

    /// <summary>The payload of a model file: what lies between its header (magic, version, length) and its checksum.</summary>
    private static byte[] Payload(byte[] file)
    {
        const int Header = 6 + 2 + 8;
        return file.AsSpan(Header, file.Length - Header - 8).ToArray();
    }

    /// <summary>A model file of format <paramref name="version"/> around <paramref name="payload"/>, with its checksum.</summary>
    private static byte[] Framed(ushort version, byte[] payload)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            w.Write("CDATML"u8.ToArray());
            w.Write(version);
            w.Write((long)payload.Length);
            w.Write(payload);
            w.Write(Cdat.ML.Persistence.ModelFormat.Fnv1a(payload));
        }
        return stream.ToArray();
    }

    [TestMethod]
    public void ARoundTripKeepsEveryValue()
    {
        var model = Sample();
        var copy = CdatModelParameters.FromBytes(model.ToBytes());
        Assert.AreEqual(model.Task, copy.Task);
        Assert.AreEqual(model.Network.Activation, copy.Network.Activation);
        CollectionAssert.AreEqual(model.ClassNames.ToArray(), copy.ClassNames.ToArray());
        for (int l = 0; l < 2; l++)
        {
            CollectionAssert.AreEqual(model.Network.Layers[l].Weight.ToArray(), copy.Network.Layers[l].Weight.ToArray());
            CollectionAssert.AreEqual(model.Network.Layers[l].Bias.ToArray(), copy.Network.Layers[l].Bias.ToArray());
        }
        Assert.AreEqual(model.TrainingMetrics.ToString(), copy.TrainingMetrics.ToString());
        Assert.AreEqual(12.5, copy.TrainingMetrics.MaxSharpness);
        Assert.IsTrue(copy.TrainingMetrics.RolledBack);
        Assert.IsNotNull(copy.Network.InputScaler);
        CollectionAssert.AreEqual(model.Network.InputScaler!.Center.ToArray(), copy.Network.InputScaler.Center.ToArray());
        CollectionAssert.AreEqual(model.Network.InputScaler.Factor.ToArray(), copy.Network.InputScaler.Factor.ToArray());
        Assert.AreEqual(3f, copy.Network.InputScaler.ClipBound);
        float[] features = { 10f, -4f, 0.5f, 1e30f }, before = new float[3], after = new float[3];
        model.Score(features, before);
        copy.Score(features, after);
        CollectionAssert.AreEqual(before, after);
    }

    [TestMethod]
    public void AnEncodedModelRoundTripsAndScoresAsBefore()
    {
        var model = Sample(encoded: true);
        Assert.AreEqual(4, model.FeatureCount, "the model reads 4 features; its first layer takes their 9 encoded values");
        var copy = CdatModelParameters.FromBytes(model.ToBytes());
        var encoding = copy.Network.InputScaler!.Encoding!;
        Assert.AreEqual(9, encoding.OutputCount);
        CollectionAssert.AreEqual(new[] { -1f, 0f, 0.5f, 2f }, encoding.EdgesOf(0)!.ToArray());
        Assert.IsNull(encoding.EdgesOf(1));
        CollectionAssert.AreEqual(new[] { -0.2f, 0.1f, 0.3f }, encoding.EdgesOf(2)!.ToArray());
        float[] features = { 10f, -4f, 0.5f, 1e30f }, before = new float[3], after = new float[3];
        model.Score(features, before);
        copy.Score(features, after);
        CollectionAssert.AreEqual(before, after);
        // Truncated anywhere in the encoding: a clear error.
        var bytes = model.ToBytes();
        for (int cut = 1; cut < 60; cut += 3)
            Assert.ThrowsExactly<InvalidDataException>(() => CdatModelParameters.FromBytes(bytes.AsSpan(0, bytes.Length - cut)));
    }

    [TestMethod]
    public void AModelWithoutBinsIsWrittenAsVersion3AndAVersion4ScalerWithoutBinsLoadsToo()
    {
        // Without bins a model is written as version 3, which builds that predate version 4 read; with bins, as version 4.
        var model = Sample();
        var bytes = model.ToBytes();
        Assert.AreEqual(3, BitConverter.ToUInt16(bytes, 6));
        Assert.AreEqual(4, BitConverter.ToUInt16(Sample(encoded: true).ToBytes(), 6));
        // Version 4's scaler adds its feature count after the bound and an encoding flag after the factors.
        var payload = Payload(bytes);
        const int ScalerBytes = 1 + 4 + 16 + 16;
        var tail = payload[^ScalerBytes..];
        var version4 = payload[..^ScalerBytes].Concat(tail[..5]).Concat(BitConverter.GetBytes(4)).Concat(tail[5..]).Append((byte)0).ToArray();
        var copy = CdatModelParameters.FromBytes(Framed(4, version4));
        CollectionAssert.AreEqual(model.Network.InputScaler!.Factor.ToArray(), copy.Network.InputScaler!.Factor.ToArray());
        Assert.IsNull(copy.Network.InputScaler.Encoding);
        float[] features = { 10f, -4f, 0.5f, 1e30f }, before = new float[3], after = new float[3];
        model.Score(features, before);
        copy.Score(features, after);
        CollectionAssert.AreEqual(before, after);
    }

    [TestMethod]
    public void AModelWithoutAScalerRoundTripsWithout()
    {
        var copy = CdatModelParameters.FromBytes(Sample(scaled: false).ToBytes());
        Assert.IsNull(copy.Network.InputScaler);
    }

    [TestMethod]
    public void EveryTruncationIsAClearError()
    {
        var bytes = Sample().ToBytes();
        for (int length = 0; length < bytes.Length; length += Math.Max(1, length / 7))
        {
            var e = Assert.ThrowsExactly<InvalidDataException>(() => CdatModelParameters.FromBytes(bytes.AsSpan(0, length)), $"length {length}");
            StringAssert.Contains(e.Message, "Cdat model");
        }
    }

    [TestMethod]
    public void AnyFlippedByteIsDetected()
    {
        var bytes = Sample().ToBytes();
        var random = new Random(3);
        for (int trial = 0; trial < 200; trial++)
        {
            var copy = (byte[])bytes.Clone();
            copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
            Assert.ThrowsExactly<InvalidDataException>(() => CdatModelParameters.FromBytes(copy));
        }
    }

    [TestMethod]
    public void AVersion1ModelStillLoadsWithAnUnknownRegime()
    {
        // Version 1 is version 3 without the regime, the validation metric and the scaler's flag at the end of the payload.
        var model = Sample(scaled: false);
        string description = model.TrainingMetrics.Regime.Description;
        int regimeBytes = 4 + 8 + 8 + 1 + 1 + System.Text.Encoding.UTF8.GetByteCount(description);
        var copy = CdatModelParameters.FromBytes(Older(model, 1, regimeBytes + Version3Bytes));
        Assert.AreEqual(CdatRegime.Unknown, copy.TrainingMetrics.Regime);
        CollectionAssert.AreEqual(model.Network.Layers[1].Weight.ToArray(), copy.Network.Layers[1].Weight.ToArray());
        Assert.AreEqual(model.TrainingMetrics.StopReason, copy.TrainingMetrics.StopReason);
        Assert.IsNull(copy.Network.InputScaler);
    }

    [TestMethod]
    public void AVersion2ModelStillLoadsAndScoresTheFeaturesAsGiven()
    {
        // Version 2 is version 3 without the validation metric and the scaler's flag.
        var model = Sample(scaled: false);
        var copy = CdatModelParameters.FromBytes(Older(model, 2, Version3Bytes));
        Assert.AreEqual(model.TrainingMetrics.Regime, copy.TrainingMetrics.Regime);
        Assert.IsNull(copy.Network.InputScaler);
        float[] features = { 0.3f, -1f, 2f, 0f }, before = new float[3], after = new float[3];
        model.Score(features, before);
        copy.Score(features, after);
        CollectionAssert.AreEqual(before, after);
    }

    [TestMethod]
    public void AFutureVersionAsksForAnUpdate()
    {
        var bytes = Sample().ToBytes();
        bytes[6] = 99;
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => CdatModelParameters.FromBytes(bytes)).Message, "version 99");
    }

    [TestMethod]
    [DataRow(new[] { 1 << 30, 1 << 30 })]
    // The total weight count times 4 bytes wraps past 2^64: an unchecked sum passed the size check and the first layer
    // (32768×16384, 2 GiB of floats) was allocated.
    [DataRow(new[] { 32768, 16384, int.MaxValue, int.MaxValue })]
    [DataRow(new[] { 46340, 46340 })]
    public void HugeAnnouncedSizesFailBeforeAllocating(int[] sizes)
    {
        // A well-formed envelope around a payload that claims enormous layers.
        var payload = new MemoryStream();
        using (var w = new BinaryWriter(payload, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write((byte)1); w.Write((byte)0); w.Write(sizes.Length - 1);
            foreach (int size in sizes) w.Write(size);
            w.Write(0);
        }
        var body = payload.ToArray();
        var envelope = new MemoryStream();
        using (var w = new BinaryWriter(envelope))
        {
            w.Write("CDATML"u8.ToArray()); w.Write((ushort)1); w.Write((long)body.Length); w.Write(body);
            ulong hash = 14695981039346656037UL;
            foreach (byte b in body) hash = (hash ^ b) * 1099511628211UL;
            w.Write(hash);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.ThrowsExactly<InvalidDataException>(() => CdatModelParameters.FromBytes(envelope.ToArray()));
        Assert.IsTrue(e.Message.Contains("truncated") || e.Message.Contains("corrupt"), e.Message);
        Assert.IsTrue(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "no large allocation");
    }
}
