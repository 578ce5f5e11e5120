// Trains in a fresh process, for the tests that must survive or compare whole processes:
//   Cdat.ML.TrainCheck streamed <digits.csv> <threads> [busy]   prints the weight hashes of two streamed fits
//   Cdat.ML.TrainCheck fuzz <digits.csv> [filter]                drives every rule and option with extreme numbers
using Cdat.ML.TrainCheck;

return args switch
{
    ["streamed", ..] => Streamed.Run(args[1..]),
    ["fuzz", ..] => Fuzz.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Cdat.ML.TrainCheck streamed <digits.csv> <threads> [busy] | fuzz <digits.csv> [filter]");
    return 2;
}
