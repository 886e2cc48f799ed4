#!/usr/bin/env bash
# Driver of the fuzz tests (tests/fuzz/CMakeLists.txt sets the environment):
#   run_fuzz.sh build <target>...   compile core + targets with clang++ (libFuzzer, ASan, UBSan)
#   run_fuzz.sh run <target>        replay regressions/<target>/, then fuzz for a bounded budget
# Environment: CLANGXX, CCACHE (may be empty), AMO_VERSION, AMO_SOURCE_DIR, FUZZ_OUT (binary dir),
# AMO_FUZZ_GENERATED (daemon/config's generated headers).
# Longer local sessions: AMO_FUZZ_RUNS=<runs> and AMO_FUZZ_MAX_TIME=<seconds> override the budget.
set -euo pipefail

: "${CLANGXX:?}" "${AMO_SOURCE_DIR:?}" "${FUZZ_OUT:?}" "${AMO_VERSION:=0}" "${AMO_FUZZ_GENERATED:=}"
CCACHE=${CCACHE:-}
here="$AMO_SOURCE_DIR/tests/fuzz"
cxx=("$CLANGXX")
[[ -n "$CCACHE" ]] && cxx=("$CCACHE" "$CLANGXX")
# -O1 keeps ASan reports readable; warnings are shown but the g++ build is the one with -Werror.
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
       -Wall -Wextra -I"$AMO_SOURCE_DIR" -DAMO_VERSION="\"$AMO_VERSION\"" -DAMO_SOURCE_DIR="\"$AMO_SOURCE_DIR\""
       -DAMO_DEFAULT_SCHEMA_DIR="\"$AMO_SOURCE_DIR/schemas\"" -DAMO_DEFAULT_MIGRATIONS_DIR="\"$AMO_SOURCE_DIR/deploy/migrations\"")
[[ -n "$AMO_FUZZ_GENERATED" ]] && flags+=(-I"$AMO_FUZZ_GENERATED")
# toml++ header-only (its shared library is not instrumented, so the fuzzer would not see its parser).
flags+=(-DTOML_HEADER_ONLY=1)
# toml++ 3.3's own asserts off: malformed TOML reaches several of its precondition asserts
# (parse_key on `[[,` or `[[[`, fixed upstream in marzer/tomlplusplus#301; parse_time on a `T`
# without digits), after which it reports a parse error; regressions/config/ has them. ASan and
# UBSan still watch it.
flags+=('-DTOML_ASSERT(expr)=static_cast<void>(0)')
# libpq-fe.h (daemon/config/conninfo.cpp) lives in its own include directory.
read -ra pq_flags <<< "$(pkg-config --cflags-only-I libpq 2>/dev/null || true)"
flags+=("${pq_flags[@]}")

# Runs per target, chosen so each takes about 20 s with two running at once on the 2-core
# dev machine (measured there: strict_parse ~100k/s, token_verify ~13k/s, jwks ~27k/s,
# envelope ~95k/s, acl ~180k/s; averages of the 30-minute runs in README.md, slower than a
# bounded run's start: http_request ~12k/s, service_body ~23k/s, portal_session ~5k/s,
# config ~5k/s, outbox_row ~16k/s); -max_total_time caps a slower machine.
budget_runs() {
  case "$1" in
    strict_parse) echo 2000000 ;;
    token_verify) echo 260000 ;;
    jwks) echo 550000 ;;
    envelope) echo 2000000 ;;
    acl) echo 3600000 ;;
    http_request) echo 460000 ;;
    service_body) echo 460000 ;;
    portal_session) echo 250000 ;;
    config) echo 70000 ;;
    outbox_row) echo 320000 ;;
    *) echo "unknown fuzz target $1" >&2; exit 2 ;;
  esac
}

compile_one() {  # <source> <object>
  local extra=()
  # toml++ 3.3's is_non_ascii_horizontal_whitespace reaches its TOML_UNREACHABLE for some
  # code points (U+02FE after a value, regressions/config/); a bug of the library, not ours,
  # so UBSan's unreachable check is off in the one file that compiles toml++.
  [[ "$1" == */daemon/config/config.cpp ]] && extra=(-fno-sanitize=unreachable)
  "${cxx[@]}" "${flags[@]}" "${extra[@]}" -fsanitize=fuzzer-no-link -c "$1" -o "$2.tmp" && mv "$2.tmp" "$2"
}

link_target() {  # <target>
  local t=$1
  "${cxx[@]}" "${flags[@]}" -fsanitize=fuzzer -c "$here/fuzz_$t.cpp" -o "$FUZZ_OUT/obj/fuzz_$t.o"
  "$CLANGXX" "${flags[@]}" -fsanitize=fuzzer "$FUZZ_OUT/obj/fuzz_$t.o" "$FUZZ_OUT/libamo_daemon_fuzz.a" \
    "$FUZZ_OUT/libamo_core_fuzz.a" -lsimdjson -lcrypto -lpq -o "$FUZZ_OUT/bin/fuzz_$t.tmp"
  mv "$FUZZ_OUT/bin/fuzz_$t.tmp" "$FUZZ_OUT/bin/fuzz_$t"
}

build() {
  local stamp="$FUZZ_OUT/built.stamp"
  mkdir -p "$FUZZ_OUT/obj" "$FUZZ_OUT/bin"
  # Conservative: any newer core, io, daemon or fuzz file rebuilds everything (ccache makes that cheap).
  local dirs=("$AMO_SOURCE_DIR"/{core,io,daemon,relay,token-service} "$here" "$FUZZ_OUT"/{core,daemon}_sources.txt)
  if [[ -f "$stamp" ]] && [[ -z "$(find "${dirs[@]}" \
        -newer "$stamp" \( -name '*.h' -o -name '*.cpp' -o -name '*.sh' -o -name '*.txt' \) -print -quit)" ]]; then
    local missing=0
    for t in "$@"; do [[ -x "$FUZZ_OUT/bin/fuzz_$t" ]] || missing=1; done
    if [[ $missing == 0 ]]; then echo "fuzz targets up to date"; return 0; fi
  fi
  touch "$stamp.new"  # edits made while we build trigger the next rebuild
  rm -f "$FUZZ_OUT"/obj/*.o "$FUZZ_OUT"/lib*_fuzz.a
  local jobs=() core_objs=() daemon_objs=() list src
  for list in core daemon; do
    while IFS= read -r src; do
      [[ -n "$src" ]] || continue
      local rel=${src#"$AMO_SOURCE_DIR"/} obj
      obj="$FUZZ_OUT/obj/${rel//\//_}.o"
      jobs+=("$src" "$obj")
      if [[ $list == core ]]; then core_objs+=("$obj"); else daemon_objs+=("$obj"); fi
    done < "$FUZZ_OUT/${list}_sources.txt"
  done
  printf '%s\0' "${jobs[@]}" | xargs -0 -n2 -P2 "$0" _compile
  ar rcs "$FUZZ_OUT/libamo_core_fuzz.a" "${core_objs[@]}"
  ar rcs "$FUZZ_OUT/libamo_daemon_fuzz.a" "${daemon_objs[@]}"
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
  # A target's own dictionary (<target>.dict), else JSON's; acl's topics have no use for one.
  local dict=()
  if [[ -f "$here/$t.dict" ]]; then
    dict=(-dict="$here/$t.dict")
  elif [[ "$t" != acl ]]; then
    dict=(-dict="$here/json.dict")
  fi
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
