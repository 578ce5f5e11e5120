using System.IO.Compression;
using Cdat.ML.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Samples.Datasets;

/// <summary>Fashion-MNIST from Debian's dataset-fashion-mnist package (gzipped IDX files).</summary>
internal static class FashionMnist
{
    public const string Folder = "/usr/share/datasets/fashion-mnist";
    public const string InstallHint = "Fashion-MNIST is not installed: run `sudo apt-get install -y dataset-fashion-mnist` (Debian/Ubuntu), which puts it under " + Folder + ".";
    public const int Side = 28, Pixels = Side * Side;

    public static bool Available => File.Exists(Path.Combine(Folder, "train-images-idx3-ubyte.gz"));

    /// <summary>One part ("train" or "t10k"): row-major pixels scaled to [0, 1] (<see cref="Pixels"/> per image) and labels 0..9.</summary>
    public static (float[] Pixels, byte[] Labels, int Rows) Read(string part, int? limit)
    {
        if (!Available) throw new FileNotFoundException(InstallHint);
        using var images = Open($"{part}-images-idx3-ubyte.gz", 2051);
        using var labels = Open($"{part}-labels-idx1-ubyte.gz", 2049);
        int rows = Int32(images), height = Int32(images), width = Int32(images);
        if (height * width != Pixels) throw new InvalidDataException($"{part}-images-idx3-ubyte.gz holds {height}×{width} images, not {Side}×{Side}.");
        if (Int32(labels) < rows) throw new InvalidDataException($"{part}-labels-idx1-ubyte.gz has fewer labels than images.");
        if (limit is int l) rows = Math.Min(rows, l);
        var bytes = images.ReadBytes(rows * Pixels);
        var pixels = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) pixels[i] = bytes[i] / 255f;
        return (pixels, labels.ReadBytes(rows), rows);
    }

    /// <summary>
    /// The official split as tensors: pixels standardised with the training images' single mean and deviation (not per
    /// pixel), so images keep their geometry and can be shifted or mirrored (<see cref="ImageAugmentation"/>).
    /// </summary>
    public static SampleData Load(int? limit)
    {
        var (trainPixels, trainLabels, trainRows) = Read("train", limit);
        var (testPixels, testLabels, testRows) = Read("t10k", null);
        using var scope = NewDisposeScope();
        var trainX = torch.tensor(trainPixels, new long[] { trainRows, Pixels });
        var testX = torch.tensor(testPixels, new long[] { testRows, Pixels });
        var mean = trainX.mean();
        var std = trainX.std(unbiased: false);
        return new SampleData("fashion-mnist", CdatTask.MulticlassClassification, 10,
            ((trainX - mean) / std).DetachFromDisposeScope(), torch.tensor(trainLabels).to(ScalarType.Int64).DetachFromDisposeScope(),
            ((testX - mean) / std).DetachFromDisposeScope(), torch.tensor(testLabels).to(ScalarType.Int64).DetachFromDisposeScope(),
            Enumerable.Range(0, Pixels).Select(i => $"p{i}").ToArray());
    }

    private static BinaryReader Open(string file, int magic)
    {
        var reader = new BinaryReader(new GZipStream(File.OpenRead(Path.Combine(Folder, file)), CompressionMode.Decompress));
        if (Int32(reader) != magic)
        {
            reader.Dispose();
            throw new InvalidDataException($"{Path.Combine(Folder, file)} is not an IDX file with magic number {magic}.");
        }
        return reader;
    }

    private static int Int32(BinaryReader reader) => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(reader.ReadInt32());
}
