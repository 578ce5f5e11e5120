#!/usr/bin/env bash
# Runs the tuner step-cost benchmarks (build/bench/Cdat.ML.Benchmarks); arguments go to BenchmarkDotNet.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "$#" -eq 0 ]; then
  set -- --filter '*'
fi
exec dotnet run -c Release --project build/bench/Cdat.ML.Benchmarks -- "$@"
