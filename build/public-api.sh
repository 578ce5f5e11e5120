#!/usr/bin/env bash
# Adds the public symbols the build reports as undeclared (RS0016) to src/Cdat.ML/PublicAPI.Unshipped.txt, so that a
# deliberate API change is one reviewed diff. Removed symbols (RS0017) are reported, not deleted: edit the file.
set -euo pipefail
cd "$(dirname "$0")/.."
file=src/Cdat.ML/PublicAPI.Unshipped.txt
log="$(mktemp)"
dotnet build src/Cdat.ML --no-incremental -p:WarningsAsErrors= > "$log" 2>&1 || true
new="$(grep -o "RS0016: Symbol '.*' is not part of the declared public API" "$log" | sed -E "s/RS0016: Symbol '(.*)' is not part of the declared public API/\1/" | sort -u || true)"
grep -o "RS0017: Symbol '.*' is part of the declared API, but is either not public or could not be found" "$log" | sort -u || true
if [ -n "$new" ]; then
  { grep -v '^#nullable enable$' "$file"; printf '%s\n' "$new"; } | sort -u > "$log.api"
  { echo '#nullable enable'; cat "$log.api"; } > "$file"
  echo "$(printf '%s\n' "$new" | wc -l) symbol(s) added to $file"
fi
