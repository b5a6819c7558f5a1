#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script. Uses the conventional environment:
#   $CXX, $CXXFLAGS (sanitizer and coverage flags), $LIB_FUZZING_ENGINE (e.g. -fsanitize=fuzzer),
#   $SRC (source checkout parent; defaults to this repository), $OUT (where binaries, seed
#   corpora, dictionaries and options go), $WORK (scratch; defaults to a temp dir).
# Outside OSS-Fuzz: CXX=clang++-14 CXXFLAGS="-fsanitize=address,fuzzer-no-link" \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out fuzz/build.sh
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${CXX:=clang++}"
: "${CXXFLAGS:=-fsanitize=address,fuzzer-no-link}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${OUT:=$ROOT/build/oss-fuzz-out}"
: "${WORK:=$(mktemp -d)}"
mkdir -p "$OUT"

# The libraries, built with the engine's instrumentation (fuzzer-no-link) but not linked to it.
cmake -S "$ROOT" -B "$WORK/build" -G Ninja \
  -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_CXX_FLAGS="$CXXFLAGS" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSYNACK_TESTS=OFF -DSYNACK_BENCH=OFF -DSYNACK_WERROR=OFF -DSYNACK_FUZZ=OFF
ninja -C "$WORK/build" synack_fuzz_core synack_cli synack_fuzz_seeds

# Link each target with $LIB_FUZZING_ENGINE (libFuzzer, AFL++'s driver, honggfuzz...).
LIBS=(
  "$WORK/build/harness/cli/libsynack_cli.a"
  "$WORK/build/fuzz/libsynack_fuzz_core.a"
  "$WORK/build/targets/reference/libsynack_reference.a"
  "$WORK/build/targets/kernel/libsynack_kernel.a"
  "$WORK/build/reports/libsynack_reports.a"
  "$WORK/build/harness/run/libsynack_run.a"
  "$WORK/build/harness/catalog/libsynack_catalog.a"
  "$WORK/build/harness/script/libsynack_script.a"
  "$WORK/build/harness/net/libsynack_net.a"
  "$WORK/build/harness/common/libsynack_common.a"
)
SYSLIBS="$(pkg-config --libs libtins libpcap) -ltomlplusplus -lpthread"
for target in fuzz_session fuzz_script_parser fuzz_codec fuzz_config; do
  # shellcheck disable=SC2086
  $CXX $CXXFLAGS -std=c++20 -I"$ROOT" -c "$ROOT/fuzz/targets/$target.cpp" -o "$WORK/$target.o"
  # shellcheck disable=SC2086
  $CXX $CXXFLAGS $LIB_FUZZING_ENGINE "$WORK/$target.o" -Wl,--start-group "${LIBS[@]}" -Wl,--end-group \
    $SYSLIBS -o "$OUT/$target"
done

# Seed corpora (from scripts/ and fuzz/corpus/) and dictionaries.
"$WORK/build/fuzz/synack_fuzz_seeds" "$ROOT/scripts" "$WORK/seeds" >/dev/null
for target in fuzz_session fuzz_script_parser fuzz_codec fuzz_config; do
  if [ -d "$ROOT/fuzz/corpus/$target" ]; then cp -r "$ROOT/fuzz/corpus/$target/." "$WORK/seeds/$target/"; fi
  (cd "$WORK/seeds/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
  if [ -f "$ROOT/fuzz/dictionaries/$target.dict" ]; then cp "$ROOT/fuzz/dictionaries/$target.dict" "$OUT/$target.dict"; fi
done
printf '[libfuzzer]\nmax_len = 4096\n' > "$OUT/fuzz_session.options"
