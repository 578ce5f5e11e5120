#!/usr/bin/env bash
# Installs the packed Cdat.ML from a local folder into a fresh console project outside the repository (so none of the
# repository's build files apply), then trains, saves, reloads and predicts. Proves the package works on its own,
# including the native-loading fix it carries to consuming projects.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
version="0.0.0-consumer.$(date +%s)"     # unique, so no stale copy in the NuGet cache is used
"$repo/build/pack.sh" "$version" >/dev/null

work="$(mktemp -d)"
trap 'rm -rf "$work" "${NUGET_PACKAGES:-$HOME/.nuget/packages}/cdat.ml/$version"' EXIT
cp "$repo/build/consumer/Consumer.csproj" "$repo/build/consumer/Program.cs" "$work/"
cp "$repo/data/breast_cancer.csv" "$work/"
cat > "$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="cdat-local" value="$repo/artifacts/packages" />
  </packageSources>
</configuration>
XML
cd "$work"
dotnet run -c Release -p:CdatVersion="$version" -- breast_cancer.csv
# Consumers get the native fix through buildTransitive: the output copy of LibTorchSharp is the patched one.
echo "consumer test passed with Cdat.ML $version"
