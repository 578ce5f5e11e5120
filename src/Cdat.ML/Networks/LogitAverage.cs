namespace Cdat.ML.Networks;

/// <summary>
/// k networks of one shape as one wider network whose outputs are the mean of theirs: the first layers stacked, the
/// hidden layers block-diagonal, the output layers side by side divided by k (biases averaged). Exact, so an ensemble
/// scores and saves as any single network does.
/// </summary>
internal static class LogitAverage
{
    public static LayerArrays[] Merge(IReadOnlyList<IReadOnlyList<LayerArrays>> members)
    {
        if (members.Count == 0) throw new ArgumentException("No networks to merge.", nameof(members));
        int k = members.Count, depth = members[0].Count;
        if (members.Any(m => m.Count != depth || m.Zip(members[0]).Any(p => p.First.Inputs != p.Second.Inputs || p.First.Outputs != p.Second.Outputs)))
            throw new ArgumentException("The networks to merge differ in shape.", nameof(members));
        var merged = new LayerArrays[depth];
        for (int l = 0; l < depth; l++)
        {
            var shape = members[0][l];
            bool first = l == 0, last = l == depth - 1;
            int inputs = first ? shape.Inputs : k * shape.Inputs;
            int outputs = last ? shape.Outputs : k * shape.Outputs;
            var weight = new float[(long)inputs * outputs];
            var bias = new float[outputs];
            for (int m = 0; m < k; m++)
            {
                var layer = members[m][l];
                // Member m's block: its rows (unless this is the shared output), its columns (unless this is the shared input).
                int row0 = last ? 0 : m * shape.Outputs, col0 = first ? 0 : m * shape.Inputs;
                float share = last ? 1f / k : 1f;
                for (int r = 0; r < shape.Outputs; r++)
                {
                    for (int c = 0; c < shape.Inputs; c++)
                        weight[(long)(row0 + r) * inputs + col0 + c] += share * layer.Weight[(long)r * shape.Inputs + c];
                    bias[row0 + r] += share * layer.Bias[r];
                }
            }
            merged[l] = new LayerArrays(inputs, outputs, weight, bias);
        }
        return merged;
    }
}
