#!/usr/bin/env bash
# bin/bench workloads [ROUNDS]: whole-process seconds of real programs not written for mmemu
# (docs/benchmarks-workloads.md), natively, under qemu-user and under bin/mmemu run with default
# options, --stats, --cpus 2 (threaded rows) and --precise (on a shorter input), medians of ROUNDS
# (default 3) fresh processes each, the modes of a row taken in turn each round. Every run's stdout and exit status are compared with the
# native run's; a difference is printed as MISMATCH and makes the exit status 1.
set -euo pipefail
. "$(dirname "$0")/../../bin/setup-lib.sh"
rounds=${1:-3}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "usage: bin/bench workloads [ROUNDS]   (ROUNDS: a positive integer, default 3)" >&2; exit 2; }
precise_cap=${MMEMU_PRECISE_CAP:-120}   # seconds; a --precise run that takes longer is shown as >N

mmemu=$MMEMU_ROOT/bin/mmemu
qemu=$("$MMEMU_ROOT/bin/setup" qemu-user) || exit 1
gzip=$("$MMEMU_ROOT/bin/setup" gzip) || exit 1

. "$(dirname "$0")/build.sh"
out=$(mmemu_build_workloads)
# Inputs, generated deterministically by the benchmarks game's fasta: 10 MB for k-nucleotide and
# gzip, 100 kB for their --precise runs.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmemu-workloads.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$out/fasta" 1000000 > "$tmp/big.fa"
"$out/fasta" 10000 > "$tmp/small.fa"

# One row per program invocation: name|program and arguments|stdin|threads|--precise arguments|--precise stdin
# Sizes: 0.2-1.5 s natively, so that the --stats runs (3-5x slower than qemu-user today) keep the
# whole benchmark within ~10 minutes; --precise (~4 million instructions/s) runs 10-40 million
# instructions. gzip -n: no timestamp in the header (under mmemu, fstat of a stdin redirected from
# a file reports a FIFO with mtime 0, so gzip's header would differ from the native one).
rows=(
  "binary-trees 16|$out/binary-trees 16|/dev/null|1|$out/binary-trees 9|/dev/null"
  "fannkuch-redux 10|$out/fannkuch-redux 10|/dev/null|1|$out/fannkuch-redux 8|/dev/null"
  "spectral-norm 2000|$out/spectral-norm 2000|/dev/null|1|$out/spectral-norm 250|/dev/null"
  "spectral-norm 1000 2thr|$out/spectral-norm 1000 2|/dev/null|2|$out/spectral-norm 250 2|/dev/null"
  "k-nucleotide 10MB|$out/k-nucleotide|$tmp/big.fa|1|$out/k-nucleotide|$tmp/small.fa"
  "gzip -6 10MB|$gzip -6 -n -c|$tmp/big.fa|1|$gzip -6 -n -c|$tmp/small.fa"
)

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# run_timed KEY CAP STDIN CMD...: one fresh process; prints its seconds (or >CAP when a cap was
# given and hit). Its stdout's digest and exit status go to $tmp/KEY.sum, compared by check.
run_timed() {
  local key=$1 cap=$2 in=$3 t0 t1 st=0; shift 3
  t0=$EPOCHREALTIME
  if [ "$cap" -gt 0 ]; then timeout "$cap" "$@" < "$in" > "$tmp/out" 2> "$tmp/err" || st=$?
  else "$@" < "$in" > "$tmp/out" 2> "$tmp/err" || st=$?; fi
  t1=$EPOCHREALTIME
  if [ "$cap" -gt 0 ] && [ "$st" -eq 124 ]; then echo ">$cap"; echo timeout > "$tmp/$key.sum"; return; fi
  echo "$(md5sum < "$tmp/out" | cut -d' ' -f1) status $st" > "$tmp/$key.sum"
  [ "$st" -eq 0 ] || { echo "  ($key exited with status $st; its stderr:)" >&2; tail -n 5 "$tmp/err" >&2; }
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

# check REF KEY WHAT: says MISMATCH when KEY's output or status differs from REF's.
check() {
  [ "$(cat "$tmp/$2.sum")" = timeout ] && return 0
  if ! cmp -s "$tmp/$1.sum" "$tmp/$2.sum"; then
    printf '\n*** MISMATCH: %s: output or exit status differs from the native run (%s vs %s) ***\n' \
      "$3" "$(cat "$tmp/$2.sum")" "$(cat "$tmp/$1.sum")" >&2
    echo "$3" >> "$tmp/mismatches"   # a file: measure runs in a subshell
  fi
}

# measure_row: one row's runs, ROUNDS of each, taken round by round (every mode once per round,
# in a fixed order) so that a burst of load on a shared machine lands on all the modes it compares,
# not on one mode's runs back to back. Sets time_KEY for each mode to its median; every run's output
# is checked. One capped run is enough to say that a mode is slower than its cap.
measure_row() {
  local i mode key t times_var
  for mode in "${modes[@]}"; do eval "times_$mode=()"; done
  for ((i = 0; i < rounds; i++)); do
    for mode in "${modes[@]}"; do
      key="$rowkey.$mode"
      times_var="times_$mode[@]"
      case "${!times_var-}" in ">"*) continue ;; esac
      eval "t=\$(run_timed \"\$key\" \"\${cap_$mode}\" \"\${in_$mode}\" \"\${cmd_$mode[@]}\")"
      case $t in ">"*) eval "times_$mode=(\"\$t\")"; continue ;; esac
      eval "times_$mode+=(\"\$t\")"
      check "${key%.*}${ref_suffix[$mode]}.native" "$key" "$key run $((i + 1))"
    done
  done
  for mode in "${modes[@]}"; do
    times_var="times_$mode[@]"
    case "${!times_var}" in ">"*) eval "time_$mode=\"\${!times_var}\"" ;; *) eval "time_$mode=\$(median \"\${!times_var}\")" ;; esac
  done
}

ratio() { case "$1$2" in *">"*|*-*) if [[ $1 == ">"* ]]; then awk -v a="${1#>}" -v b="$2" 'BEGIN { printf ">%.2f", a / b }'; else echo -; fi ;;
          *) awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' ;; esac; }

printf 'bin/bench workloads: median of %d fresh processes each, whole-process wall seconds; %s\n' "$rounds" "$(uptime | sed 's/.*load/load/')"
printf 'qemu: %s; mmemu: bin/mmemu run (cold JVM each run); --precise on the shorter input in the last columns (cap %d s)\n\n' \
  "$("$qemu" --version | head -n 1)" "$precise_cap"
fmt='%-24s %7s %7s %7s %7s %7s | %9s %10s | %7s %8s %9s\n'
printf "$fmt" workload native qemu mmemu stats cpus2 mmemu/qemu stats/mmemu "mmemu*" precise* precise/mm
geo_log=0 geo_n=0
for row in "${rows[@]}"; do
  IFS='|' read -r name cmd in threads pcmd pin <<< "$row"
  key=$(echo "$name" | tr -c 'a-zA-Z0-9\n' '-')
  read -r -a argv <<< "$cmd"
  read -r -a pargv <<< "$pcmd"
  rowkey=$key
  # The reference outputs, not timed: the native run of each input.
  run_timed "$key.native" 0 "$in" "${argv[@]}" > /dev/null
  run_timed "$key-small.native" 0 "$pin" "${pargv[@]}" > /dev/null
  # The modes of the row: name, command, stdin, cap, and which native run their output must equal.
  modes=(native qemu mmemu stats)
  cmd_native=("${argv[@]}"); cmd_qemu=("$qemu" "${argv[@]}"); cmd_mmemu=("$mmemu" run "${argv[@]}")
  cmd_stats=("$mmemu" run --stats "${argv[@]}")
  in_native=$in in_qemu=$in in_mmemu=$in in_stats=$in
  if [ "$threads" -gt 1 ]; then
    modes+=(cpus); cmd_cpus=("$mmemu" run --cpus "$threads" "${argv[@]}"); in_cpus=$in
  fi
  modes+=(small precise)
  cmd_small=("$mmemu" run "${pargv[@]}"); cmd_precise=("$mmemu" run --precise "${pargv[@]}")
  in_small=$pin in_precise=$pin
  cap_native=0 cap_qemu=0 cap_mmemu=0 cap_stats=0 cap_cpus=0 cap_small=0 cap_precise=$precise_cap
  declare -A ref_suffix=([native]= [qemu]= [mmemu]= [stats]= [cpus]= [small]=-small [precise]=-small)
  measure_row
  native=$time_native q=$time_qemu m=$time_mmemu s=$time_stats ms=$time_small p=$time_precise c=-
  [ "$threads" -gt 1 ] && c=$time_cpus
  printf "$fmt" "$name" "$native" "$q" "$m" "$s" "$c" "$(ratio "$m" "$q")" "$(ratio "$s" "$m")" "$ms" "$p" "$(ratio "$p" "$ms")"
  geo_log=$(awk -v g="$geo_log" -v a="$m" -v b="$q" 'BEGIN { printf "%.9f", g + log(a / b) }'); geo_n=$((geo_n + 1))
done
awk -v g="$geo_log" -v n="$geo_n" 'BEGIN { printf "\ngeometric mean of mmemu/qemu over the %d rows: %.2f\n", n, exp(g / n) }'
cat <<EOF
mmemu* and precise*: default mode and --precise on the shorter input (binary-trees 9, fannkuch-redux 8,
spectral-norm 250 (2 threads in the 2thr row), k-nucleotide and gzip on fasta 10000 = 100 kB instead of
fasta 1000000 = 10 MB). gzip is Debian's 1.13 built with musl-gcc -static (bin/setup gzip).
EOF
if [ -s "$tmp/mismatches" ]; then
  echo "*** $(wc -l < "$tmp/mismatches") MISMATCH(ES): some run's output or exit status differs from the native run (see above) ***" >&2
  exit 1
fi
