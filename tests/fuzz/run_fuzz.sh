#!/usr/bin/env bash
# Driver of the fuzz tests (tests/fuzz/CMakeLists.txt sets the environment):
#   run_fuzz.sh build <target>...   compile core + targets with clang++ (libFuzzer, ASan, UBSan)
#   run_fuzz.sh run <target>        replay regressions/<target>/, then fuzz for a bounded budget
# Environment: CLANGXX, CCACHE (may be empty), AMO_VERSION, AMO_SOURCE_DIR, FUZZ_OUT (binary dir).
# Longer local sessions: AMO_FUZZ_RUNS=<runs> and AMO_FUZZ_MAX_TIME=<seconds> override the budget.
set -euo pipefail

: "${CLANGXX:?}" "${AMO_SOURCE_DIR:?}" "${FUZZ_OUT:?}" "${AMO_VERSION:=0}"
CCACHE=${CCACHE:-}
here="$AMO_SOURCE_DIR/tests/fuzz"
cxx=("$CLANGXX")
[[ -n "$CCACHE" ]] && cxx=("$CCACHE" "$CLANGXX")
# -O1 keeps ASan reports readable; warnings are shown but the g++ build is the one with -Werror.
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
       -Wall -Wextra -I"$AMO_SOURCE_DIR" -DAMO_VERSION="\"$AMO_VERSION\"" -DAMO_SOURCE_DIR="\"$AMO_SOURCE_DIR\"")

# Runs per target, chosen so each takes about 20 s with two running at once on the 2-core
# dev machine (measured there: strict_parse ~100k/s, token_verify ~13k/s, jwks ~27k/s,
# envelope ~95k/s, acl ~180k/s); -max_total_time caps a slower machine.
budget_runs() {
  case "$1" in
    strict_parse) echo 2000000 ;;
    token_verify) echo 260000 ;;
    jwks) echo 550000 ;;
    envelope) echo 2000000 ;;
    acl) echo 3600000 ;;
    *) echo "unknown fuzz target $1" >&2; exit 2 ;;
  esac
}

compile_one() {  # <source> <object>
  "${cxx[@]}" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$1" -o "$2.tmp" && mv "$2.tmp" "$2"
}

link_target() {  # <target>
  local t=$1
  "${cxx[@]}" "${flags[@]}" -fsanitize=fuzzer -c "$here/fuzz_$t.cpp" -o "$FUZZ_OUT/obj/fuzz_$t.o"
  "$CLANGXX" "${flags[@]}" -fsanitize=fuzzer "$FUZZ_OUT/obj/fuzz_$t.o" "$FUZZ_OUT/libamo_core_fuzz.a" \
    -lsimdjson -lcrypto -o "$FUZZ_OUT/bin/fuzz_$t.tmp"
  mv "$FUZZ_OUT/bin/fuzz_$t.tmp" "$FUZZ_OUT/bin/fuzz_$t"
}

build() {
  local stamp="$FUZZ_OUT/built.stamp"
  mkdir -p "$FUZZ_OUT/obj" "$FUZZ_OUT/bin"
  # Conservative: any newer core, io or fuzz file rebuilds everything (ccache makes that cheap).
  if [[ -f "$stamp" ]] && [[ -z "$(find "$AMO_SOURCE_DIR/core" "$AMO_SOURCE_DIR/io" "$here" "$FUZZ_OUT/core_sources.txt" \
        -newer "$stamp" \( -name '*.h' -o -name '*.cpp' -o -name '*.sh' -o -name '*.txt' \) -print -quit)" ]]; then
    local missing=0
    for t in "$@"; do [[ -x "$FUZZ_OUT/bin/fuzz_$t" ]] || missing=1; done
    if [[ $missing == 0 ]]; then echo "fuzz targets up to date"; return 0; fi
  fi
  touch "$stamp.new"  # edits made while we build trigger the next rebuild
  rm -f "$FUZZ_OUT"/obj/*.o "$FUZZ_OUT/libamo_core_fuzz.a"
  local jobs=()
  while IFS= read -r src; do
    [[ -n "$src" ]] || continue
    local rel=${src#"$AMO_SOURCE_DIR"/}
    jobs+=("$src" "$FUZZ_OUT/obj/${rel//\//_}.o")
  done < "$FUZZ_OUT/core_sources.txt"
  printf '%s\0' "${jobs[@]}" | xargs -0 -n2 -P2 "$0" _compile
  ar rcs "$FUZZ_OUT/libamo_core_fuzz.a" "$FUZZ_OUT"/obj/core_*.o "$FUZZ_OUT"/obj/io_*.o
  printf '%s\0' "$@" | xargs -0 -n1 -P2 "$0" _link
  mv "$stamp.new" "$stamp"
  echo "built: $*"
}

run() {
  local t=$1 bin="$FUZZ_OUT/bin/fuzz_$1"
  [[ -x "$bin" ]] || { echo "$bin missing: run the fuzz_build test first" >&2; exit 1; }
  local runs max_time
  runs=${AMO_FUZZ_RUNS:-$(budget_runs "$t")}
  max_time=${AMO_FUZZ_MAX_TIME:-60}
  local artifacts="$FUZZ_OUT/artifacts/$t"  # this run's findings only
  rm -rf "$artifacts"
  mkdir -p "$artifacts"
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

  local regressions="$here/regressions/$t"
  if [[ -d "$regressions" ]] && [[ -n "$(ls -A "$regressions")" ]]; then
    echo "== replaying $regressions"
    "$bin" -artifact_prefix="$artifacts/" "$regressions"/*
  fi

  work=$(mktemp -d "$FUZZ_OUT/work-$t.XXXXXX")  # global: the EXIT trap outlives this function
  trap 'rm -rf "$work"' EXIT
  local dict=()
  [[ "$t" != acl ]] && dict=(-dict="$here/json.dict")
  echo "== fuzzing $t: -runs=$runs -max_total_time=$max_time"
  local rc=0
  # New inputs go to $work (first corpus dir); the committed corpus is only read.
  "$bin" -runs="$runs" -max_total_time="$max_time" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "${dict[@]}" "$work" "$here/corpus/$t" || rc=$?
  if [[ $rc != 0 ]]; then
    echo "fuzz_$t FAILED (exit $rc). Reproducer(s) in $artifacts/ (hex below):" >&2
    for f in "$artifacts"/*; do
      [[ -f "$f" ]] && { echo "--- $f" >&2; od -An -tx1 -v "$f" | head -64 >&2; }
    done
    echo "Save the input under tests/fuzz/regressions/$t/ once the bug is fixed." >&2
    exit 1
  fi
}

case "${1:-}" in
  build) shift; build "$@" ;;
  run) run "$2" ;;
  _compile) compile_one "$2" "$3" ;;
  _link) link_target "$2" ;;
  *) echo "usage: $0 build <target>... | run <target>" >&2; exit 2 ;;
esac
