#!/usr/bin/env bash
# A short run of every samples command, checking that each one writes its CSV and PNG files.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
dotnet build src/Cdat.ML.Samples -c Release -v quiet -nologo >/dev/null
run() { dotnet run --no-build -c Release --project src/Cdat.ML.Samples -- "$@" >"$out/last.log" 2>&1 || { cat "$out/last.log"; echo "FAILED: $*"; exit 1; }; }
expect() { for f in "$@"; do [ -s "$f" ] || { echo "missing output: $f"; cat "$out/last.log"; exit 1; }; done; }
header="Step,Epoch,BatchRows,Loss,LearningRate,Sharpness,Edge"

run --steps 20 --out "$out/default";                      expect "$out/default/loss.png" "$out/default/sharpness.png" "$out/default/cdat-sigma-2.csv"
head -1 "$out/default/cdat-sigma-2.csv" | grep -q "^$header" || { echo "CSV header"; exit 1; }
run eos --steps 40 --lr 0.5 --out "$out/eos";             expect "$out/eos/sharpness.png" "$out/eos/eos-lr0.5.csv"
run tuners --steps 30 --lr-grid 0.5 --adam-lr-grid 0.01 --out "$out/tuners"; expect "$out/tuners/gd-edge.png" "$out/tuners/adam-loss.png"
run minibatch --epochs 1 --sections cdat --equal-steps --sigmas 1 --batch-sizes 64,256 --lr-grid 0.5 --out "$out/minibatch-equal-steps"; expect "$out/minibatch-equal-steps/minibatch.md"
run minibatch --epochs 1 --sigmas 1,2 --batch-sizes 64,256 --lr-grid 0.5 --out "$out/minibatch"; expect "$out/minibatch/heatmap-beta0.png" "$out/minibatch/heatmap-beta0.9.png" "$out/minibatch/minibatch.md"
run study --steps 20 --seeds 2 --directions gd,adam --out "$out/study";  expect "$out/study/study.md" "$out/study/study.csv"
! grep -q "In progress\|Infinity" "$out/study/study.md" || { echo "study.md: a partial table or an unnamed diverged run"; exit 1; }
# Grids whose top rate is best after 20 small steps: both edge warnings, naming the option to widen.
run study --steps 20 --seeds 2 --directions gd --sigmas 2 --lr-grid 0.05,0.01,0.02 --peak-grid 0.01,0.02,0.05 --out "$out/study-edge"
grep -q "Best constant rate per seed: 0.05, 0.05 (grid 0.01, 0.02, 0.05)" "$out/study-edge/study.md" || { echo "study: grid not sorted or best rate wrong"; exit 1; }
grep -q "widen --lr-grid" "$out/study-edge/study.md" && grep -q "widen --peak-grid" "$out/study-edge/study.md" || { echo "study: edge warnings missing"; exit 1; }
[ "$(grep -c '^gd,' "$out/study-edge/study.csv")" -eq 26 ] || { echo "study.csv: expected 13 runs × 2 seeds"; exit 1; }
if dotnet run --no-build -c Release --project src/Cdat.ML.Samples -- study --lr-grid 0.1,abc >"$out/last.log" 2>&1; then echo "study should reject --lr-grid 0.1,abc"; exit 1; fi
grep -q -- "--lr-grid must list positive numbers" "$out/last.log" || { cat "$out/last.log"; echo "study: bad grid message"; exit 1; }
run model --steps 500 --out "$out/model";                 expect "$out/model/model-y.png" "$out/model/model.csv"
run bench --steps 3 --hidden 64 --batch-size 32;          grep -q "ratio to constant" "$out/last.log"
# meta on a folder of one's own: a manifest, a numeric column with missing values and a categorical one with a missing
# category, a binary label; then two shipped sets, and a folder without a manifest.
mkdir -p "$out/own"
printf '"name","file","label","task","rows","features","categorical","source"\n"toy","toy.csv","y","binary",300,2,"colour","generated"\n' > "$out/own/manifest.csv"
{ echo '"size","colour","y"'; for i in $(seq 1 300); do s=$((i % 17)); [ $((i % 29)) -eq 0 ] && s=""; c=$([ $((i % 3)) -eq 0 ] && echo '"red"' || echo '"blue"'); [ $((i % 31)) -eq 0 ] && c='""'; y=$([ $(( (i % 17) + (i % 3 == 0 ? 9 : 0) )) -gt 10 ] && echo true || echo false); echo "$s,$c,$y"; done; } > "$out/own/toy.csv"
run meta --data "$out/own" --no-suite --quick --no-oracle --out "$out/meta-own"; expect "$out/meta-own/meta.md" "$out/meta-own/meta.csv" "$out/meta-own/meta.png"
grep -q "| toy | Cdat (defaults) | AUC" "$out/meta-own/meta.md" || { cat "$out/meta-own/meta.md"; echo "meta: no Cdat row for the folder's set"; exit 1; }
run meta --sets sonar,boston --quick --out "$out/meta"; expect "$out/meta/meta.md"
grep -q "| boston | Adam oracle | R²" "$out/meta/meta.md" && grep -q "^| Cdat (defaults) | 2 |" "$out/meta/meta.md" || { cat "$out/meta/meta.md"; echo "meta: summary or oracle row missing"; exit 1; }
if dotnet run --no-build -c Release --project src/Cdat.ML.Samples -- meta --data "$out/default" >"$out/last.log" 2>&1; then echo "meta should reject a folder without manifest.csv"; exit 1; fi
grep -q "holds no manifest.csv" "$out/last.log" || { cat "$out/last.log"; echo "meta: missing-manifest message"; exit 1; }
run regime --sets diabetes,adult --rows 300 --batches 0,64 --sigmas 0,1 --out "$out/regime"; expect "$out/regime/regime.md" "$out/regime/regime.csv"
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  run fashion --limit 1000 --time-budget 5 --skip-baselines --out "$out/fashion"; expect "$out/fashion/"*.csv
else
  echo "fashion: data set not installed (apt-get install -y dataset-fashion-mnist); checking the message instead"
  if dotnet run --no-build -c Release --project src/Cdat.ML.Samples -- fashion >"$out/last.log" 2>&1; then echo "fashion should fail without data"; exit 1; fi
  grep -q "apt-get install" "$out/last.log"
fi
run --help; grep -q "eos" "$out/last.log"
echo "samples smoke test passed"
