#!/usr/bin/env bash
# Builds every guest program under SRC into static x86-64 ELF binaries in OUT.
#   NAME.c  -> musl-gcc -static        (C, linked against musl)
#   NAME.S  -> gcc -nostdlib -static   (assembly, no libc)
# A NAME.cflags file beside the source adds compiler flags (for example -static-pie).
# A NAME.expected file beside the source holds the expected stdout; NAME.status the
# expected exit status (see io.mmemu.testprograms.GuestProgram). Both are copied to OUT.
set -euo pipefail
src=$1 out=$2
mkdir -p "$out"
if ! command -v musl-gcc >/dev/null 2>&1; then
  echo "build-guests: musl-gcc is missing (guest programs are built with it). Fix: bin/setup (or: apt-get install musl-tools)" >&2
  exit 1
fi
shopt -s nullglob
for f in "$src"/*.c "$src"/*.S; do
  name=$(basename "${f%.*}")
  bin="$out/$name"
  if [ "$bin" -nt "$f" ] && [ "$bin" -nt "$0" ] && { [ ! -f "$src/$name.cflags" ] || [ "$bin" -nt "$src/$name.cflags" ]; }; then continue; fi
  extra=()
  if [ -f "$src/$name.cflags" ]; then read -r -a extra < "$src/$name.cflags"; fi
  case "$f" in
    *.c) musl-gcc -static -O2 -Wall -Werror "${extra[@]}" -o "$bin.tmp" "$f" ;;
    *.S) gcc -nostdlib -static -no-pie "${extra[@]}" -o "$bin.tmp" "$f" ;;
  esac
  mv "$bin.tmp" "$bin"
done
for f in "$src"/*.expected "$src"/*.status "$src"/*.args; do cp "$f" "$out/"; done
