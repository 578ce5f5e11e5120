#!/usr/bin/env bash
# Builds artifacts/gpu-bundle.tar.xz: the samples app (src/Cdat.ML.Samples) published self-contained for linux-x64,
# for a GPU machine that has PyTorch (with CUDA) but no .NET and no internet. The bundle carries no libtorch: run.sh
# puts the machine's torch/lib on LD_LIBRARY_PATH. See docs/GPU.md.
#
#   build/bundle-gpu.sh [--self-test] [--no-trim]
#     --self-test  afterwards, unpack the tarball into a temp dir and run it on this CPU machine against the
#                  libtorch-cpu 2.10 natives in the NuGet cache, with HOME and NUGET_PACKAGES empty
#     --no-trim    publish untrimmed (fallback if trimming ever breaks the app; larger, still has to fit 64 MiB)
set -euo pipefail
cd "$(dirname "$0")/.."

self_test=false
trim=true
for arg in "$@"; do
  case "$arg" in
    --self-test) self_test=true ;;
    --no-trim) trim=false ;;
    -h|--help) sed -n '2,9s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "bundle-gpu.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

die() { echo "bundle-gpu.sh: $*" >&2; exit 1; }

limit=$((64 * 1024 * 1024))          # the GPU machine's transfer limit
work=artifacts/gpu-build             # everything this script builds, apart from the tarball
publish=$work/publish
stage=$work/stage
bundle=cdat-gpu                      # top folder inside the tarball
tarball=artifacts/gpu-bundle.tar.xz
# Resolved now, before the self-test points HOME and NUGET_PACKAGES at empty folders.
cpu_libtorch=${CDAT_CPU_LIBTORCH:-${NUGET_PACKAGES:-$HOME/.nuget/packages}/libtorch-cpu-linux-x64/2.10.0/runtimes/linux-x64/native}

# Start clean: no stale natives may survive into the checks, and an incremental publish would skip the compiler and
# ILLink and so hide their trimming warnings.
rm -rf "$work" "$tarball"
mkdir -p "$work"

# --- 1. Publish --------------------------------------------------------------------------------------------------
# TorchBackend=none: the managed TorchSharp package only (it carries libLibTorchSharp.so), no libtorch-cpu natives;
# otherwise TorchSharp would load the bundled 2.10 CPU libtorch before the wheel's CUDA one.
# CdatWeakenGlibcxx=true: patch libLibTorchSharp.so whatever this machine's libstdc++ is, since it runs elsewhere.
# InvariantGlobalization: the GPU image may lack libicu.
# TrimMode=partial trims only assemblies marked trimmable (the framework, mostly), so reflection-heavy libraries
# (ML.NET, TorchSharp, ScottPlot) are kept whole.
# --artifacts-path gives this publish its own bin/ and obj/, so it never races with builds of src/*/bin|obj.
trim_args=(-p:PublishTrimmed=true -p:TrimMode=partial)
if ! $trim; then trim_args=(-p:PublishTrimmed=false); fi
echo "== publishing (trimmed: $trim)"
dotnet publish src/Cdat.ML.Samples -c Release -r linux-x64 --self-contained true \
  "${trim_args[@]}" -p:InvariantGlobalization=true -p:CdatWeakenGlibcxx=true -p:TorchBackend=none \
  --artifacts-path "$work/msbuild" -o "$publish" 2>&1 | tee "$work/publish.log"

# Trimming (IL) warnings, each once (MSBuild repeats warnings in its summary), without directories and project suffix.
# The compiler's trim analyzer and ILLink report the same Cdat.ML call sites, so those appear twice, worded apart.
if $trim; then
  il_warnings=$(grep -E 'warning IL[0-9]+' "$work/publish.log" | sed -E 's/ \[[^]]*\]$//; s#^[^ (]*/##' | sort -u || true)
  echo "== trimming warnings: $(printf '%s' "$il_warnings" | grep -c . || true)"
  [ -z "$il_warnings" ] || printf '%s\n' "$il_warnings"
fi

# --- 2. Check the native libraries --------------------------------------------------------------------------------
# No libtorch may be in the app folder: TorchSharp loads libtorch_cpu from its own folder before LD_LIBRARY_PATH.
bad=$(find "$publish" \( -name 'libtorch*.so*' -o -name 'libc10*.so*' \) -print)
[ -z "$bad" ] || die "libtorch found in the publish folder (TorchBackend=none not applied?):
$bad"
lts=$publish/libLibTorchSharp.so
[ -f "$lts" ] || die "libLibTorchSharp.so is missing from $publish"
# The GPU image's libstdc++ may be older than GCC 13; the GLIBCXX_3.4.32 need must be weak (build/Cdat.ML.targets).
# (readelf's output is captured first: grep -q would close the pipe early and pipefail would report readelf's SIGPIPE.)
verneed=$(readelf -V "$lts")
grep -Eq 'Name: GLIBCXX_3\.4\.32 +Flags: WEAK' <<<"$verneed" \
  || die "libLibTorchSharp.so is not patched: GLIBCXX_3.4.32 is not marked WEAK"
echo "== natives: no libtorch in the app folder; libLibTorchSharp.so has GLIBCXX_3.4.32 weak"

# The launcher needs the apphost's name; take it from the runtimeconfig rather than assuming the project name.
runtimeconfig=$(find "$publish" -maxdepth 1 -name '*.runtimeconfig.json' -print -quit)
[ -n "$runtimeconfig" ] || die "no *.runtimeconfig.json in $publish"
app=$(basename "$runtimeconfig" .runtimeconfig.json)
[ -x "$publish/$app" ] || die "the app executable $publish/$app is missing"

# --- 3. Stage the bundle ----------------------------------------------------------------------------------------
mkdir -p "$stage/$bundle"
cp -a "$publish" "$stage/$bundle/app"
# The app reads AppContext.BaseDirectory/data, so data/ goes next to the executable (fresh from the repository).
rm -rf "$stage/$bundle/app/data"
cp -a data "$stage/$bundle/app/data"
cp build/gpu/gpu_symcheck.py build/gpu/libtorch_symbols_needed_by_LibTorchSharp_0.107.txt \
   build/gpu/libtorch_symbols_bound_at_load.txt "$stage/$bundle/"

cat > "$stage/$bundle/run.sh" <<EOF
#!/usr/bin/env bash
# Runs $app with this machine's libtorch (the PyTorch wheel's torch/lib); arguments are passed through.
# CDAT_TORCH_LIB=<dir> skips the python lookup (another libtorch folder, or the CPU self-test).
set -euo pipefail
here="\$(cd "\$(dirname "\$0")" && pwd)"
if [ -n "\${CDAT_TORCH_LIB:-}" ]; then
  tl=\$CDAT_TORCH_LIB
else
  tl=\$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__)+"/lib")') \\
    || { echo "run.sh: python3 cannot import torch; activate the environment that has it" >&2; exit 1; }
fi
# TorchSharp loads libtorch_cpu.so, then libtorch_cuda.so, through the normal dlopen search.
[ -f "\$tl/libtorch_cpu.so" ] || { echo "run.sh: no libtorch_cpu.so in \$tl" >&2; exit 1; }
export LD_LIBRARY_PATH="\$tl\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1   # no libicu needed
exec "\$here/app/$app" "\$@"
EOF

cat > "$stage/$bundle/check.sh" <<'EOF'
#!/usr/bin/env bash
# Run before the first ./run.sh: lists libtorch symbols LibTorchSharp 0.107 (built for libtorch 2.10) imports that
# this machine's torch lacks ("EAGER" ones stop it loading at all; "lazy" ones abort when first called), then the
# torch version, CUDA availability and C++11 ABI flag (must be True).
set -euo pipefail
cd "$(dirname "$0")"
python3 gpu_symcheck.py libtorch_symbols_needed_by_LibTorchSharp_0.107.txt libtorch_symbols_bound_at_load.txt \
  ${CDAT_TORCH_LIB:+"$CDAT_TORCH_LIB"}
python3 -c "import torch; print(torch.__version__, torch.cuda.is_available(), torch._C._GLIBCXX_USE_CXX11_ABI)"
EOF

if rev=$(git rev-parse --short HEAD 2>/dev/null); then
  git diff --quiet HEAD -- || rev="$rev plus uncommitted changes"
else
  rev="unknown (not a git checkout)"
fi
cat > "$stage/$bundle/README.txt" <<EOF
Cdat.ML samples, self-contained for linux-x64 (no .NET needed), without libtorch. Built by build/bundle-gpu.sh
from commit $rev, $(date -u +%Y-%m-%d).
  ./check.sh          symbol check of this machine's torch against LibTorchSharp 0.107, torch version, CUDA
  ./run.sh [args]     runs app/$app with LD_LIBRARY_PATH=<torch>/lib (found with python3 -c 'import torch')
Diagnose load failures with LD_DEBUG=libs ./run.sh. Details: docs/GPU.md in the repository.
EOF
chmod 755 "$stage/$bundle/run.sh" "$stage/$bundle/check.sh" "$stage/$bundle/gpu_symcheck.py"

# --- 4. Compress ------------------------------------------------------------------------------------------------
# xz -9 single-threaded: best ratio, and it leaves the second core to others. Owner and order fixed for repeatability.
echo "== compressing"
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner -cf - "$bundle" | xz -9 -T1 > "$tarball"
publish_bytes=$(du -sb "$publish" | cut -f1)
tar_bytes=$(stat -c %s "$tarball")
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "== publish folder: $publish_bytes bytes ($(mib "$publish_bytes")), $(find "$publish" -type f | wc -l) files"
echo "== $tarball: $tar_bytes bytes ($(mib "$tar_bytes")); limit $(mib $limit)"
[ "$tar_bytes" -le "$limit" ] || die "the bundle is over 64 MiB"

$self_test || exit 0

# --- 5. Self-test on this CPU machine ---------------------------------------------------------------------------
# As on the GPU machine: only the unpacked bundle plus a libtorch folder; no .NET on PATH, empty HOME and NuGet
# cache (so TorchSharp's fallback copy from the package cache cannot hide a missing library).
echo "== self-test against $cpu_libtorch"
[ -f "$cpu_libtorch/libtorch_cpu.so" ] || die "no libtorch_cpu.so in $cpu_libtorch (restore once with TorchBackend=cpu, or set CDAT_CPU_LIBTORCH)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/home" "$tmp/nuget" "$tmp/run"
tar -xJf "$tarball" -C "$tmp"
# Runs from $tmp/run: the app writes its CSV and PNG files under out/ in the current folder.
in_bundle() {
  (cd "$tmp/run" && env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$tmp/home" NUGET_PACKAGES="$tmp/nuget" \
    CDAT_TORCH_LIB="$cpu_libtorch" timeout 900 "$@")
}

# The bundled symbol check against libtorch 2.10 CPU must find every symbol. Its second line, the torch version,
# needs the torch wheel, which this machine lacks, so check.sh's exit status is not used.
echo "== self-test: check.sh"
check_out=$(in_bundle "$tmp/$bundle/check.sh" 2>&1 || true)
grep 'symbols needed' <<<"$check_out" || true
grep -q 'missing: 0;' <<<"$check_out" || die "self-test: the symbol check did not pass"

# --help if the app has a CLI; an app without one ignores the argument and runs its default, which then counts
# as the no-argument run.
echo "== self-test: run.sh --help"
help_out=$(in_bundle "$tmp/$bundle/run.sh" --help 2>&1) || { printf '%s\n' "$help_out" | tail -n 40; die "self-test: run.sh --help failed"; }
if grep -qi 'usage' <<<"$help_out"; then
  printf '%s\n' "$help_out" | tail -n 40
  echo "== self-test: run.sh (no arguments)"
  run_out=$(in_bundle "$tmp/$bundle/run.sh" 2>&1) || { printf '%s\n' "$run_out" | tail -n 40; die "self-test: run.sh failed"; }
else
  echo "(no usage text: the app ignored --help; that run is the no-argument run)"
  run_out=$help_out
fi
printf '%s\n' "$run_out" | tail -n 25
if grep -q 'Exception' <<<"$run_out"; then die "self-test: the output reports an exception"; fi
echo "== self-test passed"
