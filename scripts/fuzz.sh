#!/usr/bin/env bash
# Builds the libFuzzer targets with AddressSanitizer and UndefinedBehaviorSanitizer in
# build-fuzz/ and runs one of them for a bounded time.
#   scripts/fuzz.sh template 600    # the template reader and planner, 10 minutes
#   scripts/fuzz.sh expression 120  # the expression parser and evaluator, 2 minutes
# Seeds come from the shared cases and the bundled example, read in place.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-template}
seconds=${2:-60}
build_dir=build-fuzz
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DKVR_BUILD_FUZZERS=ON -DKVR_BUILD_TESTS=OFF
fi
case "$target" in
  template) binary=kvr_template_reader_fuzz ;;
  expression) binary=kvr_expression_fuzz ;;
  *) echo "fuzz.sh: unknown target '$target'; use template or expression" >&2; exit 2 ;;
esac
cmake --build "$build_dir" --target "$binary" -j "$(nproc)"
corpus="fuzz/corpus-$target"
mkdir -p "$corpus"
seeds=()
if [ "$target" = template ]; then
  for dir in ../shared/cases/templates ../shared/cases/failures examples/contoso-payments; do
    [ -d "$dir" ] && seeds+=("$dir")
  done
fi
"$build_dir/fuzz/$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
  -print_final_stats=1 "$corpus" "${seeds[@]}"
