#!/bin/bash
# down.sh DIR: stop the test bed that up.sh started in DIR.
#
# Signals only the processes recorded in DIR/run/*.pid, and only while they are still in the
# bed's network namespace (DIR/run/netns.id), so a recycled pid is never hit. Then proves that
# no process is left in that namespace. Idempotent; exit 0 when everything is stopped.
set -eu

[ $# -eq 1 ] || { echo "usage: down.sh DIR" >&2; exit 2; }
[ -d "$1" ] || { echo "down.sh: error: $1: no such directory" >&2; exit 2; }
DIR=$(cd "$1" && pwd -P)
run=$DIR/run

if [ ! -s "$run/netns.id" ]; then
    echo "down: no test bed namespace recorded in $DIR, nothing to stop"
    exit 0
fi
ns=$(cat "$run/netns.id")   # e.g. net:[4026532176]
ns_inode=${ns#net:[}
ns_inode=${ns_inode%]}

# True while PID runs in the bed's namespace. A zombie has no readable ns link, so a stopped
# process that its parent has not reaped yet counts as gone.
in_bed() { [ "$(readlink "/proc/$1/ns/net" 2>/dev/null)" = "$ns" ]; }

# Servers first; the namespace holder only after everything else in the namespace is gone: while
# it runs the namespace exists, so its inode number cannot be reused by another bed starting at
# the same moment (the check for leftovers below would then see that bed's processes).
services="apache2 scepserver krb5kdc"
# TESTBED_KDB=ldap: slapd holds the KDC's database; it stops after the KDC
[ -e "$DIR/etc/slapd.conf" ] && services="$services slapd"
pending=
for name in $services; do
    pf=$run/$name.pid
    if [ ! -s "$pf" ]; then
        echo "down: $name: no pid file (not started or already stopped)"
        continue
    fi
    pid=$(cat "$pf")
    if in_bed "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        pending="$pending $name:$pid"
    else
        echo "down: $name: pid $pid is not running"
        rm -f "$pf"
    fi
done

# Wait up to 5 s for a clean exit, then SIGKILL what is left and wait up to 2 s more.
alive() {
    local entry
    for entry in $pending; do
        in_bed "${entry#*:}" && return 0
    done
    return 1
}
wait_gone() {   # $1 = tries of 50 ms
    local i=0
    while alive && [ $i -lt "$1" ]; do
        i=$((i + 1))
        sleep 0.05
    done
}
wait_gone 100
if alive; then
    for entry in $pending; do
        in_bed "${entry#*:}" && { echo "down: ${entry%%:*}: no exit after SIGTERM, sending SIGKILL"; kill -KILL "${entry#*:}" 2>/dev/null || true; }
    done
    wait_gone 40
fi
for entry in $pending; do
    name=${entry%%:*} pid=${entry#*:}
    if in_bed "$pid"; then
        echo "down: $name: pid $pid is still running" >&2
    else
        echo "down: $name: stopped pid $pid"
        # apache2 removes its own pid file; the others are removed here
        rm -f "$run/$name.pid"
    fi
done

# Anything else in the namespace (Apache workers, a client started with bin/tb)? Give exiting
# processes up to 2 s, then report what is left. The holder does not count yet.
holder=
[ -s "$run/netns.pid" ] && in_bed "$(cat "$run/netns.pid")" && holder=$(cat "$run/netns.pid")
left() {
    stat -L -c '%i %n' /proc/[0-9]*/ns/net 2>/dev/null |
        awk -v ino="$ns_inode" -v holder="$holder" '$1 == ino { split($2, p, "/"); if (p[3] != holder) print p[3] }'
}
i=0
while [ -n "$(left)" ] && [ $i -lt 40 ]; do
    i=$((i + 1))
    sleep 0.05
done
pids=$(left)
if [ -n "$pids" ]; then
    echo "down.sh: error: processes still in the test bed namespace $ns:" >&2
    for pid in $pids; do
        ps -o pid=,args= -p "$pid" >&2 || true
    done
    exit 1
fi

# Now the holder: the namespace goes with it.
if [ -n "$holder" ]; then
    kill -TERM "$holder" 2>/dev/null || true
    i=0
    while in_bed "$holder" && [ $i -lt 40 ]; do
        i=$((i + 1))
        sleep 0.05
    done
    if in_bed "$holder"; then
        kill -KILL "$holder" 2>/dev/null || true
        sleep 0.1
    fi
    if in_bed "$holder"; then
        echo "down: netns: pid $holder is still running" >&2
        exit 1
    fi
    echo "down: netns: stopped pid $holder"
else
    echo "down: netns: not running"
fi
rm -f "$run/netns.pid"
# The namespace is gone; forget it, so a later namespace reusing its inode number is never
# mistaken for this bed.
rm -f "$run/netns.id"
echo "down: no process left in test bed namespace $ns"
