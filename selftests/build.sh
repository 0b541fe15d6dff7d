#!/usr/bin/env bash
# Builds Linux's mm selftests statically, once with musl-gcc and once with gcc (glibc), from the
# sources bin/setup selftests unpacked into DIR/src (tools/testing/selftests/mm of Debian's
# linux-source-6.12, and linux-libc-dev of the same version for the uapi headers):
#   selftests/build.sh DIR      -> DIR/musl/NAME, DIR/glibc/NAME, DIR/build.log
# The tree is copied to DIR/work and selftests/patches/*.patch are applied there (build fixes for
# musl and static linking; each patch says why). Nothing is rebuilt when neither this script, a
# patch nor selftests/targets.txt changed since the last build (DIR/build.stamp). A target that
# does not build with one libc is listed in DIR/LIBC/NOT-BUILT with the compiler's first error; the
# runner reports it.
# Compiled as the selftests' Makefile does (-Wall -O2 -U_FORTIFY_SOURCE, the kernel's uapi headers
# then tools/include/uapi as -isystem, vm_util.c and thp_settings.c linked into each test,
# -lrt -lpthread -lm), without the Makefile itself: it needs the rest of the kernel tree (lib.mk,
# ../x86/check_cc.sh) and builds 32-bit variants we do not run.
set -euo pipefail
dir=$(cd "${1:?usage: selftests/build.sh DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t targets < <(grep -v '^#' "$here/targets.txt")
log="$dir/build.log"

stamp=$(cat "$0" "$here/targets.txt" "$dir/VERSION" $(ls "$here"/patches/*.patch 2>/dev/null) | sha256sum | cut -d' ' -f1)
if [ -f "$dir/build.stamp" ] && [ "$(cat "$dir/build.stamp")" = "$stamp" ]; then exit 0; fi
rm -f "$dir/build.stamp"

echo "building the mm selftests with musl-gcc and gcc (log: $log)"
: > "$log"
work="$dir/work"
rm -rf "$work" && mkdir -p "$work"
cp -R "$dir/src/tools" "$dir/src/mm" "$work/"   # mm/gup_test.h: cow.c includes it
for p in "$here"/patches/*.patch; do
  [ -f "$p" ] || continue
  echo "== patch ${p##*/}" >> "$log"
  patch -d "$work" -p1 --no-backup-if-mismatch < "$p" >> "$log" 2>&1 || { echo "patch ${p##*/} does not apply (see $log)" >&2; exit 1; }
done
mm="$work/tools/testing/selftests/mm"
# What check_config.sh writes without liburing: there is no static liburing for musl, and cow's
# io_uring cases then skip on both sides alike.
echo "// No liburing support found" > "$mm/local_config.h"

hdr="$dir/src/headers/usr/include"
cflags=(-Wall -O2 -U_FORTIFY_SOURCE -I "$work" -isystem "$hdr" -isystem "$hdr/x86_64-linux-gnu"
        -isystem "$work/tools/include/uapi")
status=0
for libc in musl glibc; do
  case $libc in musl) cc=musl-gcc ;; glibc) cc=gcc ;; esac
  out="$dir/$libc"
  rm -rf "$out" && mkdir -p "$out"
  : > "$out/NOT-BUILT"
  for t in "${targets[@]}"; do
    extra=()
    # protection_keys is built as the Makefile's protection_keys_64 (-m64 -mxsave; -no-pie, which -static implies).
    [ "$t" = protection_keys ] && extra=(-m64 -mxsave)
    echo "== $libc $t" >> "$log"
    if ! (cd "$mm" && "$cc" -static "${cflags[@]}" "${extra[@]}" "$t.c" vm_util.c thp_settings.c -lrt -lpthread -lm -o "$out/$t") >> "$log" 2>&1; then
      first=$(sed -n "/^== $libc $t\$/,\$p" "$log" | grep -m1 'error' || true)
      printf '%s\t%s\n' "$t" "${first:-see build.log}" >> "$out/NOT-BUILT"
      echo "$libc: $t does not build: ${first:-see $log}" >&2
    fi
  done
done
echo "$stamp" > "$dir/build.stamp"
exit $status
