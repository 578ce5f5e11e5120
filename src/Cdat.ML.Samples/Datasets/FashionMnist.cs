using System.IO.Compression;
using static TorchSharp.torch;

namespace Cdat.ML.Samples.Datasets;

/// <summary>Fashion-MNIST from Debian's dataset-fashion-mnist package (gzipped IDX files).</summary>
internal static class FashionMnist
{
    public const string Folder = "/usr/share/datasets/fashion-mnist";
    public const string InstallHint = "Fashion-MNIST is not installed: run `sudo apt-get install -y dataset-fashion-mnist` (Debian/Ubuntu), which puts it under " + Folder + ".";

    public static bool Available => File.Exists(Path.Combine(Folder, "train-images-idx3-ubyte.gz"));

    /// <summary>Training and test images scaled to [0, 1] then standardised per pixel; labels 0..9.</summary>
    public static SampleData Load(long seed, int? limit)
    {
        if (!Available) throw new FileNotFoundException(InstallHint);
        var (trainX, trainRows) = Images("train-images-idx3-ubyte.gz", limit);
        var trainY = Labels("train-labels-idx1-ubyte.gz", trainRows);
        var (testX, testRows) = Images("t10k-images-idx3-ubyte.gz", null);
        var testY = Labels("t10k-labels-idx1-ubyte.gz", testRows);
        // Keep the official test set: split = training rows then test rows, test fraction as given by the files.
        int d = 784, n = trainRows + testRows;
        var x = new float[n, d];
        var y = new float[n];
        for (int i = 0; i < testRows; i++) { for (int j = 0; j < d; j++) x[i, j] = testX[i * d + j] / 255f; y[i] = testY[i]; }
        for (int i = 0; i < trainRows; i++) { for (int j = 0; j < d; j++) x[testRows + i, j] = trainX[i * d + j] / 255f; y[testRows + i] = trainY[i]; }
        return SampleData.SplitOrdered("fashion-mnist", x, y, testRows);
    }

    private static (byte[] Pixels, int Rows) Images(string file, int? limit)
    {
        using var stream = new GZipStream(File.OpenRead(Path.Combine(Folder, file)), CompressionMode.Decompress);
        using var reader = new BinaryReader(stream);
        if (BigEndian(reader) != 2051) throw new InvalidDataException($"{file} is not an IDX image file.");
        int rows = BigEndian(reader), height = BigEndian(reader), width = BigEndian(reader);
        if (limit is int l) rows = Math.Min(rows, l);
        return (reader.ReadBytes(rows * height * width), rows);
    }

    private static byte[] Labels(string file, int rows)
    {
        using var stream = new GZipStream(File.OpenRead(Path.Combine(Folder, file)), CompressionMode.Decompress);
        using var reader = new BinaryReader(stream);
        if (BigEndian(reader) != 2049) throw new InvalidDataException($"{file} is not an IDX label file.");
        BigEndian(reader);
        return reader.ReadBytes(rows);
    }

    private static int BigEndian(BinaryReader reader) => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(reader.ReadInt32());
}
