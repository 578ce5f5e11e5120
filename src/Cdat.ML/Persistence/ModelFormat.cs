using System.Text;
using Cdat.ML.Networks;
using Cdat.ML.Scoring;

namespace Cdat.ML.Persistence;

/// <summary>
/// The Cdat model format: a magic number, a format version, the payload length, the payload, and a 64-bit FNV-1a
/// checksum of the payload. Every count is checked against the bytes that remain before anything is allocated, so corrupt
/// or truncated data fails with <see cref="InvalidDataException"/> and never with a huge allocation.
/// </summary>
internal static class ModelFormat
{
    /// <summary>What a model file holds.</summary>
    public sealed record ModelContents(CdatTask Task, MlpWeights Network, IReadOnlyList<string> ClassNames, CdatTrainingMetrics Metrics);

    private static readonly byte[] Magic = "CDATML"u8.ToArray();

    /// <summary>
    /// Current version. 1: MLP weights, task, class names, training metrics. 2: and the training regime. 3: and the input
    /// scaler. 4: the scaler's feature count and its piecewise-linear encoding.
    /// </summary>
    public const ushort Version = 4;

    /// <summary>A model without bins is written as version 3, which Cdat.ML builds before version 4 read too.</summary>
    private static ushort WrittenVersion(ModelContents model) => model.Network.InputScaler?.Encoding is null ? (ushort)3 : Version;

    private const int MaxLayers = 1024, MaxNameBytes = 1 << 16;

    public static byte[] Write(ModelContents model)
    {
        using var payload = new MemoryStream();
        using (var w = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            w.Write((byte)model.Task);
            w.Write((byte)model.Network.Activation);
            w.Write(model.Network.Layers.Count);
            w.Write(model.Network.Layers[0].Inputs);
            foreach (var layer in model.Network.Layers) w.Write(layer.Outputs);
            w.Write(model.ClassNames.Count);
            foreach (var name in model.ClassNames) w.Write(name);
            foreach (var layer in model.Network.Layers)
            {
                w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(layer.WeightSpan));
                w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(layer.BiasSpan));
            }
            MetricsFormat.Write(w, model.Metrics);
            WriteScaler(w, model.Network.InputScaler, WrittenVersion(model));
        }
        var body = payload.ToArray();
        using var result = new MemoryStream(body.Length + 32);
        using (var w = new BinaryWriter(result))
        {
            w.Write(Magic);
            w.Write(WrittenVersion(model));
            w.Write((long)body.Length);
            w.Write(body);
            w.Write(Fnv1a(body));
        }
        return result.ToArray();
    }

    public static ModelContents Read(ReadOnlySpan<byte> data)
    {
        int header = Magic.Length + sizeof(ushort) + sizeof(long);
        if (data.Length < header + sizeof(ulong) || !data[..Magic.Length].SequenceEqual(Magic))
            throw new InvalidDataException("The data is not a Cdat model (unknown header).");
        ushort version = BitConverter.ToUInt16(data.Slice(Magic.Length, 2));
        if (version == 0 || version > Version)
            throw new InvalidDataException($"The Cdat model has format version {version}; this Cdat.ML reads versions up to {Version}. Update the package.");
        long length = BitConverter.ToInt64(data.Slice(Magic.Length + 2, 8));
        if (length < 0 || length != data.Length - header - sizeof(ulong))
            throw new InvalidDataException($"The Cdat model is truncated or padded: its header announces {length} bytes of payload, {data.Length - header - sizeof(ulong)} are present.");
        var body = data.Slice(header, (int)length);
        if (Fnv1a(body) != BitConverter.ToUInt64(data[^sizeof(ulong)..]))
            throw new InvalidDataException("The Cdat model is corrupt: its checksum does not match.");

        try
        {
            return ReadPayload(body.ToArray(), version);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or DecoderFallbackException or OverflowException)
        {
            throw new InvalidDataException($"The Cdat model is corrupt: {e.Message}", e);
        }
    }

    private static ModelContents ReadPayload(byte[] body, ushort version)
    {
        using var r = new BinaryReader(new MemoryStream(body, writable: false), new UTF8Encoding(false, throwOnInvalidBytes: true));
        long Remaining() => r.BaseStream.Length - r.BaseStream.Position;

        var task = (CdatTask)r.ReadByte();
        if (!Enum.IsDefined(task)) throw new InvalidDataException($"The Cdat model names an unknown task ({(int)task}).");
        var activation = (Activation)r.ReadByte();
        if (!Enum.IsDefined(activation)) throw new InvalidDataException($"The Cdat model names an unknown activation ({(int)activation}).");
        int layerCount = r.ReadInt32();
        if (layerCount < 1 || layerCount > MaxLayers) throw new InvalidDataException($"The Cdat model claims {layerCount} layers.");
        int input = r.ReadInt32();
        var sizes = new int[layerCount + 1];
        sizes[0] = input;
        for (int i = 1; i <= layerCount; i++) sizes[i] = r.ReadInt32();
        // Checked arithmetic against the bytes actually present, before any allocation: a crafted header cannot make the
        // product wrap negative and slip past the check.
        long weightBytes = 0;
        for (int i = 0; i < layerCount; i++)
        {
            if (sizes[i] <= 0 || sizes[i + 1] <= 0) throw new InvalidDataException($"The Cdat model has a layer of size {sizes[i]}→{sizes[i + 1]}.");
            long layerBytes = checked(((long)sizes[i] + 1) * sizes[i + 1] * sizeof(float));
            weightBytes = checked(weightBytes + layerBytes);
            if (weightBytes > Remaining())
                throw new InvalidDataException($"The Cdat model is truncated or corrupt: layer {i} ({sizes[i]}→{sizes[i + 1]}) needs {weightBytes} bytes of weights, {Remaining()} are left.");
        }
        int classCount = r.ReadInt32();
        if (classCount < 0 || classCount > Remaining()) throw new InvalidDataException($"The Cdat model claims {classCount} class names.");
        var names = new string[classCount];
        for (int i = 0; i < classCount; i++)
        {
            names[i] = r.ReadString();
            if (names[i].Length > MaxNameBytes) throw new InvalidDataException("The Cdat model has an oversized class name.");
        }
        if (weightBytes > Remaining()) throw new InvalidDataException($"The Cdat model is truncated: {weightBytes / sizeof(float)} weights announced, {Remaining()} bytes left.");

        var layers = new DenseLayer[layerCount];
        for (int i = 0; i < layerCount; i++)
        {
            var w = ReadFloats(r, (long)sizes[i] * sizes[i + 1]);
            var b = ReadFloats(r, sizes[i + 1]);
            layers[i] = DenseLayer.Own(sizes[i], sizes[i + 1], w, b);
        }
        var metrics = MetricsFormat.Read(r, version);
        var scaler = version >= 3 ? ReadScaler(r, input, version, Remaining) : null;
        if (Remaining() != 0) throw new InvalidDataException("The Cdat model has trailing data.");
        var network = new MlpWeights(layers, activation, scaler);
        if (!network.IsFinite()) throw new InvalidDataException("The Cdat model holds non-finite weights.");
        return new ModelContents(task, network, names, metrics);
    }

    /// <summary>
    /// A flag, then the clip bound, the feature count (from version 4), the centers and the factors (one per feature), and
    /// from version 4 a flag for the encoding followed by each feature's edge count (0: not encoded) and edges.
    /// </summary>
    private static void WriteScaler(BinaryWriter w, FeatureScaler? scaler, ushort version)
    {
        w.Write(scaler is not null);
        if (scaler is null) return;
        w.Write(scaler.ClipBound);
        if (version >= 4) w.Write(scaler.Count);
        foreach (float c in scaler.Center) w.Write(c);
        foreach (float f in scaler.Factor) w.Write(f);
        if (version < 4) return;
        w.Write(scaler.Encoding is not null);
        if (scaler.Encoding is not { } encoding) return;
        for (int j = 0; j < encoding.InputCount; j++)
        {
            var edges = encoding.EdgesOf(j);
            w.Write(edges?.Count ?? 0);
            if (edges is not null) foreach (float e in edges) w.Write(e);
        }
    }

    /// <summary>The scaler <see cref="WriteScaler"/> wrote; up to version 3 its feature count was the first layer's inputs, <paramref name="firstLayerInputs"/>.</summary>
    private static FeatureScaler? ReadScaler(BinaryReader r, int firstLayerInputs, ushort version, Func<long> remaining)
    {
        if (!r.ReadBoolean()) return null;
        float bound = r.ReadSingle();
        int inputs = version >= 4 ? r.ReadInt32() : firstLayerInputs;
        if (inputs <= 0 || 2L * inputs * sizeof(float) > remaining())
            throw new InvalidDataException($"The Cdat model is truncated or corrupt: its input scaler of {inputs} features needs {2L * inputs * sizeof(float)} bytes, {remaining()} are left.");
        var center = ReadFloats(r, inputs);
        var factor = ReadFloats(r, inputs);
        if (version < 4 || !r.ReadBoolean()) return new FeatureScaler(center, factor, bound);
        var edges = new float[]?[inputs];
        for (int j = 0; j < inputs; j++)
        {
            int count = r.ReadInt32();
            if (count < 0 || (long)count * sizeof(float) > remaining())
                throw new InvalidDataException($"The Cdat model is truncated or corrupt: feature {j}'s encoding claims {count} edges, {remaining()} bytes are left.");
            if (count > 0) edges[j] = ReadFloats(r, count);
        }
        return new FeatureScaler(center, factor, bound, new PiecewiseLinearEncoding(edges));
    }

    private static float[] ReadFloats(BinaryReader r, long count)
    {
        var values = new float[count];
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
        if (r.Read(bytes) != bytes.Length) throw new EndOfStreamException("Unexpected end of the weights.");
        return values;
    }

    internal static ulong Fnv1a(ReadOnlySpan<byte> data)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in data) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }
}
