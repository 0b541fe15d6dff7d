# Shared by bin/setup, bin/mmemu, bin/test and bin/bench: where things live, and how to say
# what is wrong. Sourced, not run.
MMEMU_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MMEMU_STATE="$MMEMU_ROOT/.mmemu"          # git-ignored: fetched packages, chosen JDK, library path

mmemu_die() {   # mmemu_die WHAT FIX
  printf 'mmemu setup: %s\n  fix: %s\n' "$1" "$2" >&2
  exit 1
}

# java_major JAVA -> prints the feature version (17, 21, 25...) or nothing
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

# Loads the settings bin/setup recorded; returns non-zero when setup has not completed.
mmemu_load_settings() {
  [ -f "$MMEMU_STATE/settings" ] || return 1
  # shellcheck disable=SC1091
  . "$MMEMU_STATE/settings"
  [ -x "$JAVA_HOME/bin/java" ] && [ -f "$MMEMU_UNICORN_LIB" ] && [ -f "${MMEMU_NATIVE_LIB:-}" ] && command -v musl-gcc >/dev/null 2>&1 \
    && command -v mvn >/dev/null 2>&1
}
