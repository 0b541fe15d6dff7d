#!/usr/bin/env bash
# Linux's mm selftests as a differential suite: each test built by bin/setup selftests runs natively
# (the host kernel is the oracle) and under mmemu, and their TAP output (stdout), stderr and exit
# status are compared after the filters below. Prints a table: test, libc, native result, mmemu
# result, match, and for a mismatch the first differing lines.
#   selftests/run.sh [--only NAME | --only LIBC/NAME]... [--timeout SECONDS] [--results FILE] [--out DIR]
# --results writes one tab-separated line per run (libc, test, native, mmemu, match, first
# difference) for MmSelftestsTest. Each run's output stays in DIR/LIBC/NAME/{native,mmemu}.{out,err,status}
# (default DIR: .mmemu/selftests/results). Exits 0 when every run matched, 1 otherwise.
# MMEMU_SELFTESTS_MMEMU replaces the mmemu command (default: bin/mmemu run), e.g. a java command
# line from a test's class path, which must not wait for the build lock bin/test holds.
# What the host's answer depends on is fixed here, the same for both sides:
#   - the environment is empty (mmemu's guest gets none unless given);
#   - RLIMIT_MEMLOCK is 8 MiB (Linux's default since 5.16) and RLIMIT_STACK 8 MiB, as mmemu models;
#   - each run starts in an empty directory of its own (under mmemu: "/" of its root file system,
#     an empty writable layer);
#   - natively, address-space randomisation is off (setarch -R, personality ADDR_NO_RANDOMIZE):
#     mmemu's layout depends only on --seed, and with the host's drawn afresh each run, a test that
#     picks fixed addresses from its own layout (mremap_test's MAP_FIXED_NOREPLACE destinations)
#     sometimes met one of the host's randomised mappings ("File exists") and failed by luck;
#   - mmemu gets the few options selftests/mmemu-options.txt lists for single tests (guest RAM).
# What it cannot fix is printed above the table: the user (root has CAP_IPC_LOCK, which
# mlock-random-test drops and others do not), THP's setting (/sys/kernel/mm/transparent_hugepage/
# enabled: madvise on this project's machines), overcommit_memory and the CPU's pku flag.
set -uo pipefail
. "$(dirname "$0")/../bin/setup-lib.sh"
dir="$MMEMU_STATE/selftests"
mapfile -t targets < <(grep -v '^#' "$(dirname "$0")/targets.txt")
only=() results="" limit=120 outdir="$dir/results"
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only+=("$2"); shift ;;
    --timeout) limit=$2; shift ;;
    --results) results=$2; shift ;;
    --out) outdir=$2; shift ;;
    *) echo "usage: selftests/run.sh [--only NAME|LIBC/NAME]... [--timeout SECONDS] [--results FILE] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
[ -f "$dir/build.stamp" ] || { echo "selftests/run.sh: the selftests are not built: run bin/setup selftests" >&2; exit 2; }
# shellcheck disable=SC2206
mmemu=(${MMEMU_SELFTESTS_MMEMU:-"$MMEMU_ROOT/bin/mmemu" run})

selected() {   # selected LIBC NAME
  [ ${#only[@]} -eq 0 ] && return 0
  local o
  for o in "${only[@]}"; do [ "$o" = "$2" ] || [ "$o" = "$1/$2" ] && return 0; done
  return 1
}

# The filters: each rewrites only what differs between two correct runs, never a test's verdict.
filters=()
# Addresses: mappings land at different places natively (ASLR) and under mmemu (its own layout,
# drawn from --seed). 7 to 14 hex digits are user addresses; MAP_FAILED (16 f's) and small values
# (sizes, flags, masks) stay as they are.
filters+=(-e 's/0x[0-9a-fA-F]{7,14}\b/0xADDR/g')
# seal_elf prints the VMAs it sealed as /proc/self/maps shows them (START-END without 0x): the
# [vvar] and [vdso] pages land at a random place natively and at mmemu's own.
filters+=(-e 's/^(# sealed: )[0-9a-f]{7,14}-[0-9a-f]{7,14}( .*\[(vvar|vdso|vvar_vclock)\])$/\1ADDR-ADDR\2/')
# pids differ between any two runs (mrelease_test and the harness name their children).
filters+=(-e 's/\b(pid|PID|child|Child)([ =:]+)[0-9]+/\1\2PID/g')
# mremap_test prints the seed of its random pattern, time(NULL) unless given with -p.
filters+=(-e 's/pattern_seed=[0-9]+/pattern_seed=SEED/')
# mremap_test prints how long each mremap() took (CLOCK_MONOTONIC).
filters+=(-e 's/mremap time: *[0-9]+ns/mremap time: Nns/')
# mrelease_test doubles its child's memory until process_mrelease() wins the race with the child's
# exit after SIGKILL, and prints the size it took: timing, not a verdict.
filters+=(-e 's/reaping a child with [0-9]+MB/reaping a child with NMB/')
# mmemu's own messages on stderr (--verbose: unimplemented syscalls, how the program ended) are
# not the guest's output; they stay in mmemu.err for the report.
filters+=(-e '/^mmemu: /d')
normalise() { sed -E "${filters[@]}"; }
# mmemu's options for one test (selftests/mmemu-options.txt says why each is there).
mmemu_options() { awk -v t="$1" '!/^#/ && $1 == t { $1 = ""; print }' "$(dirname "$0")/mmemu-options.txt"; }

classify() {   # classify STATUS -> pass/skip/fail/timeout/signal, with the status
  case $1 in
    0) echo "pass (0)" ;;
    4) echo "skip (4)" ;;     # KSFT_SKIP
    124) echo "timeout (124)" ;;
    12[5-9]|1[3-9][0-9]|2[0-9][0-9]) echo "signal $(($1 - 128)) ($1)" ;;
    *) echo "fail ($1)" ;;
  esac
}

printf 'host: kernel %s, uid %s, THP %s, overcommit_memory %s, pku %s; limits: memlock 8 MiB, stack 8 MiB; timeout %s s\n' \
  "$(uname -r)" "$(id -u)" "$(grep -o '\[[a-z]*\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo none)" \
  "$(cat /proc/sys/vm/overcommit_memory)" "$(grep -qw pku /proc/cpuinfo && echo yes || echo no)" "$limit"
printf '%-22s %-6s %-14s %-14s %-5s %s\n' test libc native mmemu match "first difference (- native, + mmemu)"
[ -z "$results" ] || : > "$results"
mismatches=0
for libc in musl glibc; do
  for t in "${targets[@]}"; do
    selected "$libc" "$t" || continue
    bin="$dir/$libc/$t" res="$outdir/$libc/$t"
    mkdir -p "$res"
    if [ ! -x "$bin" ]; then
      why=$(awk -F'\t' -v t="$t" '$1 == t {print $2}' "$dir/$libc/NOT-BUILT" 2>/dev/null)
      printf '%-22s %-6s %-14s %-14s %-5s %s\n' "$t" "$libc" "not built" "-" "-" "$why"
      [ -z "$results" ] || printf '%s\t%s\tnot built\t-\t-\t%s\n' "$libc" "$t" "$why" >> "$results"
      continue
    fi
    for side in native mmemu; do
      run=$(mktemp -d "${TMPDIR:-/tmp}/mmemu-selftest.XXXXXX")
      if [ $side = native ]; then
        (cd "$run" && ulimit -l 8192 && ulimit -s 8192 && exec timeout -k 5 "$limit" setarch -R env -i "$bin") \
          > "$res/native.out" 2> "$res/native.err" < /dev/null
      else
        # shellcheck disable=SC2046
        (cd "$run" && exec timeout -k 5 $((limit + 10)) "${mmemu[@]}" --verbose --timeout "$limit" $(mmemu_options "$t") "$bin") \
          > "$res/mmemu.out" 2> "$res/mmemu.err" < /dev/null
      fi
      echo $? > "$res/$side.status"
      rm -rf "$run"
      normalise < "$res/$side.out" > "$res/$side.out.f"
      normalise < "$res/$side.err" > "$res/$side.err.f"
    done
    ns=$(cat "$res/native.status") ms=$(cat "$res/mmemu.status")
    diffs=""
    if [ "$ns" != "$ms" ]; then diffs="exit status $ns vs $ms; "; fi
    # The first hunk's first native line and first mmemu line (stdout, then stderr).
    first=$( { diff -U0 "$res/native.out.f" "$res/mmemu.out.f"; diff -U0 "$res/native.err.f" "$res/mmemu.err.f" | sed 's/^\([-+]\)\([^-+]\)/\1stderr: \2/'; } \
             | awk '/^@@/ {h++} h == 1 && /^-[^-]/ && !m {m = $0} h == 1 && /^\+[^+]/ && !p {p = $0} END {print m (m && p ? "|" : "") p}')
    diffs+=$first
    if [ -z "$diffs" ]; then match=yes; else match=no; mismatches=$((mismatches + 1)); fi
    printf '%-22s %-6s %-14s %-14s %-5s %s\n' "$t" "$libc" "$(classify "$ns")" "$(classify "$ms")" "$match" "${diffs:0:200}"
    [ -z "$results" ] || printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$libc" "$t" "$(classify "$ns")" "$(classify "$ms")" "$match" "$diffs" >> "$results"
  done
done
echo "$mismatches mismatch(es); outputs in $outdir/"
[ "$mismatches" -eq 0 ]   # the exit status: 0 when everything run matched, 1 otherwise
