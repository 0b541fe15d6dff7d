#!/usr/bin/env bash
# Builds every guest program under SRC into static x86-64 ELF binaries in OUT.
#
#   build-guests.sh SRC OUT        (Maven runs it in generate-resources)
#
# A guest program NAME is one source file plus its expectations, all in SRC:
#   NAME.c         C, built with: musl-gcc -static -O2 -Wall -Werror [NAME.cflags] -o OUT/NAME
#   NAME.S         assembly without libc, built with: gcc -nostdlib -static -no-pie [NAME.cflags]
#   NAME.cflags    optional: extra compiler flags, on one line (split at blanks)
#   NAME.expected  required: the exact bytes the program writes to stdout
#   NAME.status    required: the exit status as a shell reports it (128 + signal if killed)
#   NAME.args      optional: command-line arguments, one per line
# *.h files in SRC may be shared by the C programs; changing one rebuilds every program.
# The expectation files are copied next to the binaries, and OUT/index lists the program
# names, one per line; io.mmemu.testprograms.GuestProgram reads both.
#
# -static-pie in NAME.cflags builds a static PIE (ET_DYN, no PT_INTERP, started by musl's
# self-relocating rcrt1.o). musl-gcc's spec file cannot do that: it always links Scrt1.o
# and always passes -dynamic-linker, so `musl-gcc -static-pie` yields a dynamically linked
# PIE that needs /lib/ld-musl-x86_64.so.1, and adding -static yields a plain ET_EXEC. For
# those programs this script derives a spec file from musl's that selects rcrt1.o and
# passes -static -pie --no-dynamic-linker, and calls the compiler musl-gcc wraps with it.
#
# Every C binary is checked to have no PT_INTERP: the emulator loads static programs only.
# Programs are built in parallel (one job per CPU); a binary newer than its source, its
# cflags, the shared headers and this script is not rebuilt.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: build-guests.sh SRC OUT" >&2
  exit 2
fi
src=$1 out=$2
mkdir -p "$out"

fail() { echo "build-guests: $*" >&2; exit 1; }

command -v musl-gcc >/dev/null 2>&1 \
  || fail "musl-gcc is missing (guest programs are built with it). Fix: bin/setup (or: apt-get install musl-tools)"
command -v readelf >/dev/null 2>&1 || fail "readelf is missing. Fix: apt-get install binutils"

shopt -s nullglob
sources=("$src"/*.c "$src"/*.S)
[ ${#sources[@]} -gt 0 ] || fail "no guest sources (*.c, *.S) in $src"

# Every program needs its expectations; say which one is missing before compiling anything.
names=()
for f in "${sources[@]}"; do
  name=$(basename "${f%.*}")
  for kind in expected status; do
    [ -f "$src/$name.$kind" ] || fail "$f has no $src/$name.$kind (see the top of build-guests.sh)"
  done
  grep -Eq '^[0-9]+$' "$src/$name.status" \
    || fail "$src/$name.status must hold one decimal exit status, got: $(head -c 40 "$src/$name.status")"
  names+=("$name")
done
dups=$(printf '%s\n' "${names[@]}" | sort | uniq -d)
[ -z "$dups" ] || fail "two sources share the name(s): $dups (NAME.c and NAME.S cannot both exist)"

# The spec file for -static-pie, derived from the one musl-gcc passes.
musl_gcc=$(command -v musl-gcc)
musl_specs=$(sed -n 's/.*-specs "\([^"]*\)".*/\1/p' "$musl_gcc" | head -n 1)
real_gcc=${REALGCC:-$(sed -n 's/.*\${REALGCC:-\([^}]*\)}.*/\1/p' "$musl_gcc" | head -n 1)}
real_gcc=${real_gcc:-gcc}
pie_specs="$out/.musl-static-pie.specs"
make_pie_specs() {
  [ -f "$musl_specs" ] || fail "cannot find musl-gcc's spec file (looked for '-specs \"...\"' in $musl_gcc); -static-pie needs it"
  sed -e 's|\([^ ]*\)/Scrt1\.o|%{static-pie:\1/rcrt1.o;:\1/Scrt1.o}|' \
      -e 's|-dynamic-linker \([^ ]*\)|%{!static-pie:-dynamic-linker \1} %{static-pie:-static -pie --no-dynamic-linker -z text}|' \
      "$musl_specs" > "$pie_specs.tmp"
  grep -q 'rcrt1\.o' "$pie_specs.tmp" && grep -q 'no-dynamic-linker' "$pie_specs.tmp" \
    || fail "could not derive a static-pie spec file from $musl_specs (its startfile/link lines changed?)"
  mv "$pie_specs.tmp" "$pie_specs"
}

# Newest input every binary depends on: this script and the shared headers.
common_inputs=("$0" "$src"/*.h)

up_to_date() { # bin inputs...
  local bin=$1 input
  shift
  [ -f "$bin" ] || return 1
  for input in "$@"; do [ "$bin" -nt "$input" ] || return 1; done
}

build_one() { # source -> writes $out/NAME; log in $logs/NAME.log
  local f=$1 name extra=() cmd
  name=$(basename "${f%.*}")
  if [ -f "$src/$name.cflags" ]; then read -r -a extra < "$src/$name.cflags" || true; fi
  case "$f" in
    *.c)
      if [[ " ${extra[*]} " == *" -static-pie "* ]]; then
        cmd=("$real_gcc" -specs "$pie_specs" -O2 -Wall -Werror "${extra[@]}" -o "$out/$name.tmp" "$f")
      else
        cmd=(musl-gcc -static -O2 -Wall -Werror "${extra[@]}" -o "$out/$name.tmp" "$f")
      fi ;;
    *.S) cmd=(gcc -nostdlib -static -no-pie "${extra[@]}" -o "$out/$name.tmp" "$f") ;;
  esac
  echo "${cmd[*]}"
  "${cmd[@]}" || return 1
  if readelf -lW "$out/$name.tmp" | grep -q 'INTERP'; then
    echo "$name has a PT_INTERP (it is dynamically linked); guest programs must be static"
    return 1
  fi
  mv "$out/$name.tmp" "$out/$name"
}

# The host-side launcher of the oracle runs (see src/oracle/oracle-exec.c): a host program, so
# built with gcc, and hidden (a dot file) from the guest index and the jar.
oracle_src="$src/../oracle/oracle-exec.c"
if ! up_to_date "$out/.oracle-exec" "$oracle_src" "$0"; then
  gcc -O2 -Wall -Werror -o "$out/.oracle-exec.tmp" "$oracle_src" || fail "building $oracle_src with gcc failed"
  mv "$out/.oracle-exec.tmp" "$out/.oracle-exec"
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
max_jobs=$(nproc 2>/dev/null || echo 2)
pie_specs_made=
for f in "${sources[@]}"; do
  name=$(basename "${f%.*}")
  inputs=("$f" "${common_inputs[@]}")
  [ ! -f "$src/$name.cflags" ] || inputs+=("$src/$name.cflags")
  up_to_date "$out/$name" "${inputs[@]}" && continue
  if [ -z "$pie_specs_made" ] && [ -f "$src/$name.cflags" ] && grep -qw -- '-static-pie' "$src/$name.cflags"; then
    make_pie_specs
    pie_specs_made=1
  fi
  while [ "$(jobs -rp | wc -l)" -ge "$max_jobs" ]; do wait -n || true; done
  ( if build_one "$f" > "$logs/$name.log" 2>&1; then echo 0; else echo 1; fi > "$logs/$name.rc" ) &
done
wait

failed=()
for rc in "$logs"/*.rc; do
  [ "$(cat "$rc")" = 0 ] && continue
  name=$(basename "${rc%.rc}")
  failed+=("$name")
  echo "build-guests: building guest program '$name' failed:" >&2
  sed 's/^/  /' "$logs/$name.log" >&2
done
[ ${#failed[@]} -eq 0 ] || fail "${#failed[@]} guest program(s) failed to build: ${failed[*]}"

for name in "${names[@]}"; do
  cp "$src/$name.expected" "$src/$name.status" "$out/"
  if [ -f "$src/$name.args" ]; then cp "$src/$name.args" "$out/"; else rm -f "$out/$name.args"; fi
done
printf '%s\n' "${names[@]}" | sort > "$out/index.tmp"
mv "$out/index.tmp" "$out/index"
