using Cdat.ML;

/// <summary>A bitwise fingerprint of a model's weights (also compiled into the tests, which compare it across processes).</summary>
internal static class WeightsHash
{
    /// <summary>FNV-1a over the bits of every weight and bias.</summary>
    public static ulong Of(CdatModelParameters model)
    {
        ulong hash = 14695981039346656037UL;
        foreach (var layer in model.Network.Layers)
            foreach (float v in layer.Weight.Concat(layer.Bias))
                hash = (hash ^ (uint)BitConverter.SingleToInt32Bits(v)) * 1099511628211UL;
        return hash;
    }
}
