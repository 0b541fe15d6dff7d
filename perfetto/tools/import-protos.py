#!/usr/bin/env python3
"""Copies the Perfetto .proto files mmemu's trace writer needs from a Perfetto git checkout.

Usage: perfetto/tools/import-protos.py PERFETTO_GIT_DIR COMMIT

Files in VERBATIM are copied byte for byte. Files in TRIMMED are copied with exactly two kinds of
deletion, so that they compile without Perfetto's whole protos/ tree:
  1. each `import` of a file that is not copied;
  2. each field whose type is a message or enum that no copied file defines, together with the
     comment lines directly above it (Perfetto documents a field in the comment before it).
Nothing is added or renumbered: every kept field keeps its published number, and a parser built
from these files skips the deleted fields as unknown fields.
"""
import os
import re
import subprocess
import sys

ROOT = "protos/perfetto/trace/"
VERBATIM = [
    "trace.proto",
    "track_event/debug_annotation.proto",
    "track_event/source_location.proto",
    "track_event/log_message.proto",
    "track_event/counter_descriptor.proto",
    "track_event/process_descriptor.proto",
    "track_event/thread_descriptor.proto",
    "profiling/profile_common.proto",
]
TRIMMED = [
    "trace_packet.proto",
    "track_event/track_event.proto",
    "track_event/track_descriptor.proto",
    "interned_data/interned_data.proto",
]
SCALARS = {"double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64",
           "fixed32", "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes"}
KEYWORDS = {"message", "enum", "oneof", "reserved", "extensions", "option", "syntax", "package",
            "import", "extend", "service"}
FIELD = re.compile(r"^\s*(?:(?:optional|repeated|required)\s+)?([A-Za-z_][\w.]*)\s+[A-Za-z_]\w*\s*(=|$)"
                   r"|^\s*(?:optional|repeated|required)\s+([A-Za-z_][\w.]*)\s*$")


def show(git_dir, commit, path):
    return subprocess.run(["git", "-C", git_dir, "show", f"{commit}:{path}"], check=True,
                          capture_output=True, text=True).stdout


def defined_types(text):
    return set(re.findall(r"^\s*(?:message|enum)\s+(\w+)", text, re.M))


def trim(text, kept_paths, known):
    out, removed = [], []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r'^import\s+"([^"]+)";', line)
        if m:
            if m.group(1) not in kept_paths:
                removed.append(f"import {m.group(1)}")
            else:
                out.append(line)
            i += 1
            continue
        stripped = line.strip()
        f = FIELD.match(line)
        if f and not stripped.startswith("//") and (f.group(1) or f.group(3)) not in KEYWORDS:
            # A field statement, possibly continued on the next lines up to its ';'.
            stmt = [line]
            while ";" not in stmt[-1]:
                i += 1
                stmt.append(lines[i])
            type_name = f.group(1) or f.group(3)
            if type_name not in SCALARS and type_name.split(".")[0] not in known:
                while out and out[-1].strip().startswith("//"):
                    out.pop()
                removed.append("field " + " ".join(s.strip() for s in stmt))
            else:
                out.extend(stmt)
            i += 1
            continue
        out.append(line)
        i += 1
    return "\n".join(out), removed


def main():
    git_dir, commit = sys.argv[1], sys.argv[2]
    dest = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "main", "proto")
    texts = {p: show(git_dir, commit, ROOT + p) for p in VERBATIM + TRIMMED}
    kept_paths = {ROOT + p for p in texts}
    known = set()
    for t in texts.values():
        known |= defined_types(t)
    for p, t in texts.items():
        if p in TRIMMED:
            t, removed = trim(t, kept_paths, known)
            print(f"{ROOT}{p}:")
            for r in removed:
                print(f"  - {r}")
        path = os.path.join(dest, ROOT, p)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(t)


if __name__ == "__main__":
    main()
