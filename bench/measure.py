#!/usr/bin/env python3
"""Runs one command and appends "SECONDS KIB CPU_SECONDS" to OUT_FILE: wall time from spawn to reap
(perf_counter: microseconds, where /usr/bin/time %e has 10 ms), peak RSS, and the command's user +
system CPU time.
RSS and CPU come from bench_rusage ($BENCH_RUSAGE, built from bench/rusage.cpp): a small process
that forks the command and writes wait4's rusage of that child alone, CPU in microseconds whose sum
is the kernel's exact run time. Without $BENCH_RUSAGE, /usr/bin/time -f '%M %U %S' does the same
with CPU rounded to 10 ms. The RSS cannot come from our own wait4: a child spawned by Python starts
as a copy of this interpreter, and Linux carries that copy's high-water mark across exec (about
13 MiB); the small wrapper's own footprint is a few hundred KiB.
Usage: measure.py OUT_FILE CMD... (stdout discarded; stderr to $BENCH_STDERR or inherited)."""
import os
import sys
import time


def main() -> int:
    out_file, argv = sys.argv[1], sys.argv[2:]
    stderr_path = os.environ.get("BENCH_STDERR")
    devnull = os.open(os.devnull, os.O_WRONLY)
    err = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) if stderr_path else 2
    actions = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, err, 2)]
    rss_file = out_file + ".rss"
    helper = os.environ.get("BENCH_RUSAGE", "")
    if helper:
        argv = [helper, rss_file] + argv
    else:
        argv = ["/usr/bin/time", "-f", "%M %U %S", "-o", rss_file] + argv
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter() - start
    with open(rss_file, encoding="ascii") as rss:
        # GNU time may print "Command exited with non-zero status N" first: the last line is ours.
        fields = rss.read().splitlines()[-1].split()
    kib = fields[0]
    if helper:
        cpu = (int(fields[1]) + int(fields[2])) / 1e6
    else:
        cpu = float(fields[1]) + float(fields[2])
    with open(out_file, "a", encoding="ascii") as out:
        out.write(f"{elapsed:.6f} {kib} {cpu:.6f}\n")
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
