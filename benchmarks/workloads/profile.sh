#!/usr/bin/env bash
# bin/bench profile [NAME...]: where the time of `bin/mmemu run` goes on the workloads of
# bin/bench workloads (docs/benchmarks-workloads.md), one run each under perf (sampling every
# thread of the process, host code and JIT-compiled Java alike), and once more with --stats for
# the counts.
# Prints, per workload, the share of samples in each part:
#   guest code     translated guest code (TCG output: anonymous executable memory without a Java name)
#   unicorn        libunicorn's helpers (TB lookup, softmmu slow path, softfloat, TLB fills, flushes)
#   fill upcall    crossing from native code into Java and back (UpcallLinker, method-handle stubs)
#   model          mmemu's Java code (TLB model, page walker, faults, syscalls, counters)
#   jvm start/jit  the interpreter, the JIT compiler threads, class loading, GC
#   native fp      mmemu's SSE arithmetic and int-to-double conversions for libunicorn (native/mmemu_softfloat.c)
#   native count   the instruction counter's block callback (it counts only when slicing time:
#                  a second thread or process)
#   kernel, other  the host kernel; everything else
# and the run's counts per second: TLB fills, Unicorn TLB and code flushes, blocks translated, syscalls.
set -euo pipefail
. "$(dirname "$0")/../../bin/setup-lib.sh"
command -v perf >/dev/null 2>&1 || mmemu_die "perf is not installed" "apt-get install linux-perf (or run on a machine that has it)"
mmemu=$MMEMU_ROOT/bin/mmemu
. "$(dirname "$0")/build.sh"
out=$(mmemu_build_workloads)
gzip=$("$MMEMU_ROOT/bin/setup" gzip) || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmemu-profile.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$out/fasta" 1000000 > "$tmp/big.fa"

# name|program and arguments|stdin (the default-mode rows of bin/bench workloads)
rows=(
  "binary-trees|$out/binary-trees 16|/dev/null"
  "fannkuch-redux|$out/fannkuch-redux 10|/dev/null"
  "spectral-norm|$out/spectral-norm 2000|/dev/null"
  "spectral-norm-2thr|$out/spectral-norm 1000 2|/dev/null"
  "k-nucleotide|$out/k-nucleotide|$tmp/big.fa"
  "gzip|$gzip -6 -n -c|$tmp/big.fa"
)
want=" $* "

classify() {   # perf report lines "percent|comm|dso|symbol" -> percent per part
  awk -F'|' '
    { p = $1; sub(/%/, "", p); comm = $2; dso = $3; sym = $4
      if (comm ~ /Compiler|C1|C2|GC|VM Thread|Training|Archive/) part = "jvm start/jit"
      else if (dso ~ /kernel/) part = "kernel"
      else if (dso ~ /libmmemu_native/) part = (sym ~ /count/) ? "native count" : (sym ~ /helper|to_float/) ? "native fp" : "other"
      else if (dso ~ /libunicorn/) part = "unicorn"
      else if (dso ~ /libjvm/) part = (sym ~ /Upcall|JNIHandleBlock|ThreadShadow|can_call_java|attach/) ? "fill upcall" : "jvm start/jit"
      else if (dso ~ /JIT|perf-/) {
        if (sym ~ /Interpreter/) part = "jvm start/jit"
        else if (sym ~ /io\.mmemu/) part = (sym ~ /Upcalls/) ? "fill upcall" : "model"
        else if (sym ~ /LambdaForm|MethodHandle|nep_invoker|StubRoutines|upcall/) part = "fill upcall"
        else if (sym ~ /^ *\[\.\] 0x/) part = "guest code"
        else part = "other"
      } else part = "other"
      share[part] += p
    }
    END {
      n = split("guest code|unicorn|native fp|fill upcall|model|native count|jvm start/jit|kernel|other", order, "|")
      for (i = 1; i <= n; i++) printf "  %-14s %5.1f%%\n", order[i], share[order[i]]
    }'
}

for row in "${rows[@]}"; do
  IFS='|' read -r name cmd in <<< "$row"
  [ "$want" = "  " ] || [[ $want == *" $name "* ]] || continue
  # The profile is of the default mode; the counts come from a second run with --stats.
  # shellcheck disable=SC2086 # cmd is a program and its arguments
  JAVA_TOOL_OPTIONS="-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit" \
    perf record -q -F 999 -o "$tmp/perf.data" -- "$mmemu" run $cmd < "$in" > /dev/null 2>&1 || true
  # shellcheck disable=SC2086
  "$mmemu" run --stats $cmd < "$in" > /dev/null 2> "$tmp/stats" || true
  echo "== $name"
  perf report -i "$tmp/perf.data" --sort comm,dso,sym --stdio -t '|' 2>/dev/null \
    | grep -E '^ *[0-9.]+%' | classify
  awk '/instructions  / && !i++ { print "  instructions  " $2 }
       /^  [0-9]+ / { n = $3; gsub(/,/, "", n); f += n }
       /Unicorn flushes/ { tlb = $3; pages = $8; sub(/;/, "", pages); code = $NF; sub(/\)/, "", code) }
       /blocks translated/ { tr = $3 }
       /syscalls/ { sc = $2 }
       /wall time/ { w = $3 }
       END { gsub(/,/, "", tlb); gsub(/,/, "", pages); gsub(/,/, "", code); gsub(/,/, "", sc); gsub(/,/, "", tr)
             printf "  per second: %.0f fills, %.0f whole and %.0f page-range Unicorn TLB flushes, %.0f code flushes, %.0f blocks translated, %.0f syscalls (wall %s s)\n",
                    f / w, tlb / w, pages / w, code / w, tr / w, sc / w, w }' "$tmp/stats"
done
