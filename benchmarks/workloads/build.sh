# Sourced by run.sh and profile.sh. mmemu_build_workloads: builds the C workloads of
# benchmarks/workloads (static with musl, like the test guests) into .mmemu/workloads when their
# source is newer, and prints that directory.
mmemu_build_workloads() {
  local src=$MMEMU_ROOT/benchmarks/workloads out=$MMEMU_STATE/workloads c name
  mkdir -p "$out"
  for c in "$src"/*.c; do
    name=${c##*/}; name=${name%.c}
    if [ ! -x "$out/$name" ] || [ "$c" -nt "$out/$name" ]; then
      musl-gcc -static -O2 -Wall -Werror -o "$out/$name" "$c" -lm -lpthread >&2 \
        || mmemu_die "cannot build $c with musl-gcc" "apt-get install musl-tools, then run bin/bench again"
    fi
  done
  echo "$out"
}
