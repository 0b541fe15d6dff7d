# Shared by bin/setup, bin/mmemu, bin/test, bin/bench and bin/campaign: where things live, how
# builds take turns, the launcher's runtime, and how to say what is wrong. Sourced, not run.

# Parameter expansion, not dirname: bin/mmemu sources this on every run, and each program it
# starts costs milliseconds (bin/bench startup).
mmemu_lib_dir=${BASH_SOURCE[0]%/*}
[ "$mmemu_lib_dir" != "${BASH_SOURCE[0]}" ] || mmemu_lib_dir=.
# The root without a subshell where the path says it plainly: a fork is 4-5 ms on some VMs.
case $mmemu_lib_dir in
  */./* | */../* | ./* | ../* | . | .. | */. | */..) MMEMU_ROOT=$(CDPATH= cd -- "$mmemu_lib_dir/.." && pwd) ;;
  bin) MMEMU_ROOT=$PWD ;;
  /*/bin) MMEMU_ROOT=${mmemu_lib_dir%/bin} ;;
  *) MMEMU_ROOT=$(CDPATH= cd -- "$mmemu_lib_dir/.." && pwd) ;;
esac
MMEMU_STATE="$MMEMU_ROOT/.mmemu"          # git-ignored: fetched packages, chosen JDK, library path

mmemu_die() {   # mmemu_die WHAT FIX
  printf 'mmemu setup: %s\n  fix: %s\n' "$1" "$2" >&2
  exit 1
}

# java_major JAVA -> prints the feature version (17, 21, 25...) or nothing
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

# Loads the settings bin/setup recorded; returns non-zero when setup has not completed, or when
# native/*.c changed since it built the native library (bin/setup then rebuilds it).
mmemu_load_settings() {
  [ -f "$MMEMU_STATE/settings" ] || return 1
  unset MMEMU_CAPSTONE_LIB
  # shellcheck disable=SC1091
  . "$MMEMU_STATE/settings"
  # Settings written before the debugger existed name no Capstone (set, even empty, once bin/setup looked).
  [ -n "${MMEMU_CAPSTONE_LIB+set}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ -f "$MMEMU_UNICORN_LIB" ] && [ -f "${MMEMU_NATIVE_LIB:-}" ] && command -v musl-gcc >/dev/null 2>&1 \
    && command -v mvn >/dev/null 2>&1 && ! mmemu_native_stale "$MMEMU_NATIVE_LIB"
}

# True when the native library $1 is missing or older than a file of native/ (bash tests only: no
# program is started, as bin/mmemu runs this on every launch). A checkout without native/ has none.
mmemu_native_stale() {
  local src
  [ -f "$1" ] || return 0
  for src in "$MMEMU_ROOT"/native/*.[ch]; do
    [ "$src" -nt "$1" ] && return 0
  done
  return 1
}

# --- one Maven build at a time ------------------------------------------------------------
# Every script that runs Maven in this checkout (bin/mmemu, bin/test, bin/bench, bin/campaign) holds
# .mmemu/build.lock while it does: two builds writing the same target/ directories break each
# other ("zip file is empty", missing classes). The lock is on fd 8, so Maven and the JVMs it
# forks hold it too; it goes when the last of them exits, or with mmemu_build_unlock.
mmemu_build_lock() {
  mkdir -p "$MMEMU_STATE"
  exec 8>>"$MMEMU_STATE/build.lock"
  if ! flock -n 8; then
    printf 'mmemu: waiting for the build another bin/test, bin/bench, bin/campaign or bin/mmemu is running in this checkout...\n' >&2
    flock 8
  fi
}

mmemu_build_unlock() {
  exec 8>&-
}

# --- the launcher's runtime ---------------------------------------------------------------
# bin/mmemu never runs java from target/, which any build rewrites under a starting or running
# JVM. It runs from a copy of one complete build that nothing changes afterwards:
# .mmemu/runtime.XXXXXX with lib/ (the jars), guest/ (the built guest programs), classpath,
# mmemu.aot (the JDK's AOT cache, made by a training run) and stamp (its time is when the build
# started; it is written last). .mmemu/current-runtime names the one in use; a new build goes to a
# fresh directory and is swapped in by renaming a new current-runtime over the old, which is
# atomic (and a file, unlike a symlink, is read without starting a program). A running launcher
# holds a shared flock on its runtime's stamp (fd 9, inherited by java), and a directory is
# removed only by the next build and only when nobody holds it.

MMEMU_MAIN=io.mmemu.emulator.cli.Main
# The launcher's JVM options. The AOT cache is used only by a JVM started with the same ones, so
# the training run gets them too. aot/cds logging is off: a stale or unreadable cache must not
# print on the guest's stdout (the JVM then starts without it, only slower).
# CompileThresholdScaling=10: the JIT compiles a method after 10 times as many calls or loop
# iterations. A short run's start-up code (picocli, the linker's generated classes) was hot enough
# to keep both compiler threads busy for ~250 ms of CPU that the run never got back: bin/mmemu
# run hello took 420 ms with the default and 260-340 ms with 5-20 (bin/bench startup); a long
# run reaches compiled code a little later (touch-pages 800000: within the noise of ~2.5 s runs).
MMEMU_JAVA_OPTS=(--enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Xss8m -XX:-UsePerfData -XX:CompileThresholdScaling=10
                 '-Xlog:aot*=off' '-Xlog:cds*=off')

# What the launcher's build reads, those of them that exist: a change to any of these (by mtime)
# makes the runtime stale. Not the modules' src/test: the build skips the tests (a quarter of the
# files find would stat).
mmemu_runtime_inputs() {
  local module path
  MMEMU_INPUTS=()
  for path in "$MMEMU_ROOT/pom.xml" "$MMEMU_ROOT/bin/setup-lib.sh" "$MMEMU_ROOT/test-programs/build-guests.sh" \
              "$MMEMU_STATE/settings"; do
    if [ -e "$path" ]; then MMEMU_INPUTS+=("$path"); fi
  done
  for module in trace fault slub mm-model tlb kernel test-programs perfetto emulator; do
    for path in "$MMEMU_ROOT/$module/pom.xml" "$MMEMU_ROOT/$module/src"/*; do
      if [ -e "$path" ] && [ "$path" != "$MMEMU_ROOT/$module/src/test" ]; then MMEMU_INPUTS+=("$path"); fi
    done
  done
}

# Sets MMEMU_RUNTIME to the current runtime directory; status 1 (and no MMEMU_RUNTIME) when there is none.
mmemu_current_runtime() {
  local name
  MMEMU_RUNTIME=
  { read -r name < "$MMEMU_STATE/current-runtime"; } 2>/dev/null || return 1
  [ -n "$name" ] && [ -f "$MMEMU_STATE/$name/stamp" ] || return 1
  MMEMU_RUNTIME=$MMEMU_STATE/$name
}

# True when there is no runtime or an input is newer than its build (or find fails: a build then
# says what is wrong). One find, whose status says it (false runs only when a file is newer):
# no command substitution, whose subshell would cost a fork.
mmemu_runtime_stale() {
  mmemu_current_runtime || return 0
  mmemu_runtime_inputs
  ! find "${MMEMU_INPUTS[@]}" -newer "$MMEMU_RUNTIME/stamp" -exec false {} + 2>/dev/null
}

# Builds what the launcher runs and publishes it as the new runtime. The caller holds the build lock.
mmemu_build_runtime() {
  local log="$MMEMU_STATE/build.log" started="$MMEMU_STATE/build.started" rt jars=() entries=() entry i=0
  touch "$started"
  if ! (cd "$MMEMU_ROOT" && mvn -q -B -ntp package -pl emulator -am -Dmaven.test.skip=true) >"$log" 2>&1 </dev/null; then
    tail -n 30 "$log" >&2
    mmemu_die "the build failed (full log: .mmemu/build.log)" \
      "cd $MMEMU_ROOT && mvn package -pl emulator -am -Dmaven.test.skip=true"
  fi
  rt=$(mktemp -d "$MMEMU_STATE/runtime.XXXXXX")
  mkdir "$rt/lib"
  IFS=: read -r -a entries < "$MMEMU_ROOT/emulator/target/runtime.classpath" || true   # no final newline
  local own=""   # the emulator's own jar: the newest, should an older version's still lie there
  for entry in "$MMEMU_ROOT"/emulator/target/emulator-*.jar; do
    if [ -z "$own" ] || [ "$entry" -nt "$own" ]; then own=$entry; fi
  done
  for entry in "$own" "${entries[@]}"; do
    [ -f "$entry" ] || mmemu_die "the build left no $entry" "cd $MMEMU_ROOT && mvn package -pl emulator -am -Dmaven.test.skip=true"
    i=$((i + 1))
    cp "$entry" "$rt/lib/$i-${entry##*/}"   # numbered: jars of different groups may share a name
    jars+=("$rt/lib/$i-${entry##*/}")
  done
  (IFS=:; printf '%s\n' "${jars[*]}") > "$rt/classpath"
  cp -R "$MMEMU_ROOT/test-programs/target/guest" "$rt/guest"
  mmemu_train_aot_cache "$rt" >>"$log" 2>&1 </dev/null
  touch -r "$started" "$rt/stamp"
  printf '%s\n' "${rt##*/}" > "$MMEMU_STATE/current-runtime.new"
  mv -f "$MMEMU_STATE/current-runtime.new" "$MMEMU_STATE/current-runtime"
  mmemu_remove_unused_runtimes "$rt"
}

# The AOT cache (JEP 483/515): a training run records which classes load and how methods behave,
# and the JVM writes them to RUNTIME/mmemu.aot, which later runs map at start-up instead of loading,
# verifying and linking those classes again, and whose method profiles let HotSpot compile the hot
# paths at once. Without it (the training failed) the launcher still works, only slower to start.
mmemu_train_aot_cache() {
  local rt=$1 cp
  read -r cp < "$rt/classpath"
  # The training (AotTraining) runs hello with --stats (the start-up, the instruction counter and
  # the statistics' table), malloc-churn (page faults, mmap, munmap, mremap), mt-basic (threads in
  # time slices, futexes), 3 million instructions of malloc-churn with --precise, and cat-file over
  # libunicorn (20 MB of read and write). Against hello alone: binary-trees 16 5%, k-nucleotide 9%
  # and spectral-norm with 2 threads 4% faster, --precise as before, a cold run hello within noise.
  # It takes 4-5 s; the timeout only keeps a broken build from holding the lock. What counts is
  # that a cache was written.
  timeout 300 "$JAVA_HOME/bin/java" "${MMEMU_JAVA_OPTS[@]}" -XX:AOTCacheOutput="$rt/mmemu.aot" \
    -Dmmemu.unicorn.lib="$MMEMU_UNICORN_LIB" -Dmmemu.native.lib="$MMEMU_NATIVE_LIB" -Dmmemu.capstone.lib="${MMEMU_CAPSTONE_LIB:-}" -Dmmemu.guest.dir="$rt/guest" \
    -cp "$cp" io.mmemu.emulator.cli.AotTraining "$rt/guest" "$MMEMU_UNICORN_LIB" > /dev/null || true
  [ -f "$rt/mmemu.aot" ] || echo "mmemu: no AOT cache was written; the launcher runs without it" >&2
}

# Removes every runtime directory but CURRENT that no launcher holds. The caller holds the build lock.
mmemu_remove_unused_runtimes() {
  local current=$1 dir
  for dir in "$MMEMU_STATE"/runtime.*; do
    [ -d "$dir" ] && [ "$dir" != "$current" ] || continue
    if [ -f "$dir/stamp" ]; then
      # Unlink the stamp under an exclusive lock: a launcher that opened it before sees it gone and
      # looks up the runtime again.
      (exec 7<"$dir/stamp" && flock -n -x 7 && rm -f "$dir/stamp") 2>/dev/null || continue
    fi
    rm -rf "$dir"
  done
}

# Sets MMEMU_RUNTIME to the current runtime and holds it (a shared lock on fd 9, which the exec'd
# java inherits) so that no build removes it while it is in use.
mmemu_hold_runtime() {
  local try
  for try in 1 2 3 4 5 6 7 8; do
    mmemu_current_runtime || break
    if { exec 9<"$MMEMU_RUNTIME/stamp"; } 2>/dev/null; then
      flock -s 9
      [ -f "$MMEMU_RUNTIME/stamp" ] && return 0
      exec 9<&-
    fi
  done
  mmemu_die "no complete runtime in .mmemu (current-runtime names none)" "remove .mmemu/runtime.* and .mmemu/current-runtime, and run bin/mmemu again"
}
