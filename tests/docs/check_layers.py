#!/usr/bin/env python3
"""check_layers.py SOURCE_DIR: every header a layer includes is its own, a lower layer's, or a
library that layer may use (README.md, ARCHITECTURE). Prints each violation with its file and line
and exits 1 when there is any.

    util -> ossl -> scep -> {transport, krb, ndes, store} -> config -> workflow -> diag -> cli

The four in braces are siblings: none includes another."""
import pathlib
import re
import sys

RANK = {"util": 0, "ossl": 1, "scep": 2, "transport": 3, "krb": 3, "ndes": 3, "store": 3,
        "config": 4, "workflow": 5, "diag": 6, "cli": 7}
# Libraries, by the include path that names them, and the layers that may include them.
LIBRARIES = {
    "curl/": {"transport"},
    "gssapi": {"krb"},
    "krb5": {"krb"},
    "profile.h": {"krb"},
    "CLI/": {"cli"},
    "toml++/": {"config"},
}
# What the protocol core never touches (design: bytes in, structs out).
NOT_IN = {"filesystem": {"util", "ossl", "scep"}}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of(path):
    parts = path.parts
    return parts[1] if len(parts) > 2 and parts[1] in RANK else None


def main():
    root = pathlib.Path(sys.argv[1])
    problems = []
    files = sorted(p for base in ("src", "include") for p in (root / base).rglob("*") if p.suffix in (".cpp", ".hpp"))
    for path in files:
        rel = path.relative_to(root)
        layer = layer_of(rel)
        if layer is None:
            problems.append("%s: not inside a layer folder (%s)" % (rel, ", ".join(RANK)))
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            target = match.group(2)
            first = target.split("/")[0]
            if match.group(1) == '"' and first in RANK:
                if first != layer and RANK[first] >= RANK[layer]:
                    problems.append("%s:%d: %s includes %s, from %s, which is not below it"
                                    % (rel, number, layer, target, first))
                continue
            for prefix, allowed in LIBRARIES.items():
                if target.startswith(prefix) and layer not in allowed:
                    problems.append("%s:%d: %s includes %s (only %s may)" % (rel, number, layer, target,
                                                                          ", ".join(sorted(allowed))))
            if target in NOT_IN and layer in NOT_IN[target]:
                problems.append("%s:%d: %s includes <%s>" % (rel, number, layer, target))
    for problem in problems:
        print("FAIL: " + problem)
    print("%d files checked, %d problem(s)" % (len(files), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
