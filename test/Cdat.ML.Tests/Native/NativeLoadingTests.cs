using TorchSharp;

namespace Cdat.ML.Tests.Native;

[TestClass]
public sealed class NativeLoadingTests
{
    [TestMethod]
    public void TorchSharpNativeLibraryLoadsAndComputes()
    {
        using var a = torch.tensor(new[] { 1.0, 2.0, 3.0 });
        using var b = (a * a).sum();
        Assert.AreEqual(14.0, b.item<double>(), 0.0);
    }
}
