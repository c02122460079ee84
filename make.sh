#!/usr/bin/env bash
# strata's one entry point: installs what is missing, configures, builds, and runs.
#
#   ./make.sh demo     build, then run the demo on real terrain
#   ./make.sh test     build, then run the whole test suite (ctest)
#   ./make.sh build    install what is missing, configure and build
#   ./make.sh asan     build with AddressSanitizer + UBSan in build-asan/ and run the tests there
#   ./make.sh fuzz     build the libFuzzer targets with clang in build-fuzz/, replay kept crashes,
#                      then fuzz every decoder for FUZZ_SECONDS each (default 60)
#   ./make.sh bench    build, then run the benchmarks (strata bench compression, ingest, stream,
#                      query; BENCH=NAME runs one of them, passing on the arguments)
#   ./make.sh format   apply clang-format to every C++ file
#   ./make.sh deps     only install the missing Debian packages
#   ./make.sh clean    remove the build directories
#
# Environment: BUILD_DIR (default build), BUILD_TYPE (default RelWithDebInfo), JOBS (default 2:
# heavy translation units take 600-800 MB each, and the machines have 2 cores).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
JOBS=${JOBS:-2}
PACKAGES_FILE=deploy/debian-packages.txt

# The comment block at the top of this file.
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

packages() { sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$PACKAGES_FILE" | grep -v '^$'; }

# Installs the packages of deploy/debian-packages.txt that are not installed yet; does nothing (and
# needs no network) when all are.
ensure_packages() {
  local missing=()
  for package in $(packages); do
    if [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]; then
      missing+=("$package")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${#missing[@]} missing Debian packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "make.sh: run as root to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}

configure() {
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    say "configuring $dir ($BUILD_TYPE)"
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" "$@"
  fi
}

build() {
  ensure_packages
  configure "$BUILD_DIR"
  say "building ($JOBS jobs)"
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

run_tests() {
  local dir=$1
  say "running the tests"
  ctest --test-dir "$dir" --output-on-failure -j "$JOBS" --timeout 600
}

command=${1:-help}
shift || true
case "$command" in
  demo)
    build
    say "running the demo"
    "$BUILD_DIR/cmd/strata" demo "$@"
    ;;
  test)
    build
    run_tests "$BUILD_DIR"
    ;;
  build)
    build
    ;;
  asan)
    ensure_packages
    BUILD_DIR=build-asan
    configure "$BUILD_DIR" -DSTRATA_SANITIZE=ON
    cmake --build "$BUILD_DIR" -j "$JOBS"
    run_tests "$BUILD_DIR"
    ;;
  fuzz)
    ensure_packages
    if [ ! -f build-fuzz/build.ninja ]; then
      say "configuring build-fuzz (clang, libFuzzer, ASan, UBSan)"
      CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DSTRATA_FUZZ=ON
    fi
    cmake --build build-fuzz -j "$JOBS"
    build-fuzz/tests/fuzz/fuzz_seeds build-fuzz/corpus
    seconds=${FUZZ_SECONDS:-60}
    while read -r target; do
      [ -n "$target" ] || continue
      binary=build-fuzz/tests/fuzz/fuzz_$target
      kept=tests/fuzz/regressions/$target
      if [ -d "$kept" ] && [ -n "$(ls -A "$kept")" ]; then
        say "replaying kept inputs for $target"
        "$binary" "$kept"/*
      fi
      say "fuzzing $target for ${seconds}s"
      mkdir -p "build-fuzz/corpus/$target" "build-fuzz/crashes/$target"
      "$binary" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 \
        -artifact_prefix="build-fuzz/crashes/$target/" "build-fuzz/corpus/$target" 2>&1 |
        grep -E "^(stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)|Done [0-9]+ runs" || true
      if [ -n "$(ls -A "build-fuzz/crashes/$target")" ]; then
        echo "make.sh: fuzz_$target found crashes in build-fuzz/crashes/$target" >&2
        exit 1
      fi
    done < build-fuzz/fuzz-targets.txt
    ;;
  bench)
    build
    # BENCH picks one; by default all run, each with its own defaults.
    if [ -n "${BENCH:-}" ]; then
      "$BUILD_DIR/cmd/strata" bench "$BENCH" "$@"
    else
      "$BUILD_DIR/cmd/strata" bench compression "$@"
      "$BUILD_DIR/cmd/strata" bench ingest
      "$BUILD_DIR/cmd/strata" bench stream
      "$BUILD_DIR/cmd/strata" bench query
    fi
    ;;
  format)
    git ls-files '*.cpp' '*.hpp' | xargs clang-format -i
    ;;
  deps)
    ensure_packages
    ;;
  clean)
    rm -rf build build-asan build-fuzz
    ;;
  help|-h|--help)
    usage
    ;;
  *)
    echo "make.sh: unknown command '$command'" >&2
    usage >&2
    exit 2
    ;;
esac
