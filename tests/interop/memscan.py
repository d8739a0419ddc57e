#!/usr/bin/env python3
"""memscan.py PID FILE...: how often the content of each FILE (a secret, trailing newline
stripped) occurs in the memory of process PID, as a core dump would hold it. Prints one line
"COUNT FILE" per FILE. Needs root (CAP_SYS_PTRACE reads a non-dumpable process too)."""
import re
import sys


def regions(pid):
    with open("/proc/%d/maps" % pid) as maps:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            perms = fields[1]
            name = fields[5] if len(fields) > 5 else ""
            if "r" not in perms or name in ("[vvar]", "[vsyscall]"):
                continue
            yield start, end


def main():
    pid = int(sys.argv[1])
    needles = []
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            needles.append((path, f.read().rstrip(b"\r\n")))
    counts = {path: 0 for path, _ in needles}
    with open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for start, end in regions(pid):
            try:
                mem.seek(start)
                data = mem.read(end - start)
            except OSError:
                continue
            for path, needle in needles:
                counts[path] += len(re.findall(re.escape(needle), data))
    for path, _ in needles:
        print(counts[path], path)


if __name__ == "__main__":
    main()
