namespace Cdat.ML;
