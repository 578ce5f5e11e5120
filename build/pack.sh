#!/usr/bin/env bash
# Packs Cdat.ML into artifacts/packages (the version comes from Directory.Build.props, or the first argument).
set -euo pipefail
cd "$(dirname "$0")/.."
version_args=()
if [ $# -ge 1 ]; then version_args=(-p:Version="$1"); fi
dotnet pack src/Cdat.ML/Cdat.ML.csproj -c Release -o artifacts/packages "${version_args[@]}"
ls -l artifacts/packages
