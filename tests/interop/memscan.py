#!/usr/bin/env python3
"""memscan.py PID FILE...: how often the content of each FILE (a secret, trailing newline
stripped) occurs in the memory of process PID, as a core dump would hold it. Prints one line
"COUNT FILE" per FILE. Needs root (CAP_SYS_PTRACE reads a non-dumpable process too).
Mappings larger than 4 GiB are skipped: only a sanitizer's shadow memory is that large (terabytes
of reserved address space), and no heap, stack or library is."""
import re
import sys

MAX_REGION = 4 << 30
CHUNK = 16 << 20


def regions(pid):
    with open("/proc/%d/maps" % pid) as maps:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            perms = fields[1]
            name = fields[5] if len(fields) > 5 else ""
            if "r" not in perms or name in ("[vvar]", "[vsyscall]") or end - start > MAX_REGION:
                continue
            yield start, end


def main():
    pid = int(sys.argv[1])
    needles = []
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            needles.append((path, f.read().rstrip(b"\r\n")))
    counts = {path: 0 for path, _ in needles}
    longest = max((len(n) for _, n in needles), default=1)
    with open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for start, end in regions(pid):
            # In chunks that overlap by a needle's length less one: every occurrence is counted
            # once, also across a chunk boundary.
            at = start
            while at < end:
                size = min(CHUNK + longest - 1, end - at)
                try:
                    mem.seek(at)
                    data = mem.read(size)
                except OSError:
                    break
                for path, needle in needles:
                    for found in re.finditer(re.escape(needle), data):
                        if found.start() < CHUNK or at + size == end:
                            counts[path] += 1
                at += CHUNK
    for path, _ in needles:
        print(counts[path], path)


if __name__ == "__main__":
    main()
