#!/usr/bin/env python3
"""Exit 0 when every pinned requirement in the given files is installed at its exact version.

Lets `make deps` stay quiet and offline when nothing is missing. Only `name==version` lines
are understood (the project pins everything exactly); anything else counts as unmet.
"""
import sys
from importlib import metadata


def unmet(path):
    for line in open(path, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep:
            yield line
            continue
        try:
            have = metadata.version(name.strip())
        except metadata.PackageNotFoundError:
            yield line
            continue
        if have != version.strip():
            yield line


missing = [req for path in sys.argv[1:] for req in unmet(path)]
if missing:
    print("missing Python packages: " + ", ".join(missing), file=sys.stderr)
sys.exit(1 if missing else 0)
