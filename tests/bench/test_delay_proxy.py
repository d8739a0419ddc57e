#!/usr/bin/env python3
"""bench/delay_proxy.py carries bytes unchanged and in order, TCP and UDP, and its log counts the
connections, their bytes and the datagrams. No timing is asserted (the delay is what the bench
measures, on a shared machine). Runs in a private network namespace (CTest: unshare --net), so its
fixed ports collide with nothing: python3 test_delay_proxy.py PROXY_SCRIPT"""
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time

ECHO_PORT, PROXY_PORT = 18997, 18998
failures = []


def check(what: str, ok: bool) -> None:
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def echo_server() -> None:
    """TCP and UDP echo on 127.0.0.1:ECHO_PORT: TCP echoes until the client half-closes."""
    tcp = socket.create_server(("127.0.0.1", ECHO_PORT))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", ECHO_PORT))

    def serve_tcp(conn: socket.socket) -> None:
        with conn:
            while data := conn.recv(65536):
                conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)

    def accept_loop() -> None:
        while True:
            conn, _ = tcp.accept()
            threading.Thread(target=serve_tcp, args=(conn,), daemon=True).start()

    def udp_loop() -> None:
        while True:
            data, addr = udp.recvfrom(65536)
            udp.sendto(data, addr)

    threading.Thread(target=accept_loop, daemon=True).start()
    threading.Thread(target=udp_loop, daemon=True).start()


def tcp_round(payload_chunks: list) -> bytes:
    """Sends the chunks one by one (many small writes: order must survive), half-closes, reads all."""
    with socket.create_connection(("127.0.0.1", PROXY_PORT)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        received = bytearray()
        reader = threading.Thread(target=lambda: read_all(sock, received))
        reader.start()
        for chunk in payload_chunks:
            sock.sendall(chunk)
        sock.shutdown(socket.SHUT_WR)
        reader.join(timeout=60)
        return bytes(received)


def read_all(sock: socket.socket, into: bytearray) -> None:
    while data := sock.recv(65536):
        into.extend(data)


def main() -> int:
    proxy = sys.argv[1]
    workdir = tempfile.mkdtemp(prefix="delay-proxy-test.")
    log, ready = os.path.join(workdir, "log"), os.path.join(workdir, "ready")
    echo_server()
    proc = subprocess.Popen([sys.executable, proxy, "--delay-ms", "5", "--log", log, "--ready", ready,
                             "--tcp", f"{PROXY_PORT}=127.0.0.1:{ECHO_PORT}",
                             "--udp", f"{PROXY_PORT}=127.0.0.1:{ECHO_PORT}"])
    try:
        for _ in range(200):
            if os.path.exists(ready):
                break
            time.sleep(0.05)
        check("the proxy says it is ready", os.path.exists(ready))
        rng = random.Random(22)
        sent_sizes = []
        for n in range(3):
            # numbered chunks of varying size: a reordered or lost chunk breaks the comparison
            chunks = [b"%06d:" % i + rng.randbytes(rng.randrange(1, 3000)) for i in range(300)]
            payload = b"".join(chunks)
            sent_sizes.append(len(payload))
            check(f"connection {n + 1}: {len(payload)} bytes come back unchanged and in order",
                  tcp_round(chunks) == payload)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.settimeout(10)
        datagrams = [rng.randbytes(rng.randrange(1, 1400)) for _ in range(3)]
        for d in datagrams:
            udp.sendto(d, ("127.0.0.1", PROXY_PORT))
            check(f"a {len(d)}-byte datagram comes back unchanged", udp.recvfrom(65536)[0] == d)
        for _ in range(200):  # the last close is logged a delay after the echo server's
            with open(log, encoding="ascii") as f:
                if sum(line.startswith("tcp-close") for line in f) >= 3:
                    break
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    with open(log, encoding="ascii") as f:
        lines = [line.split() for line in f]
    opens = [l for l in lines if l[0] == "tcp-open"]
    closes = [l for l in lines if l[0] == "tcp-close"]
    check("three connections counted", [l[1:] for l in opens] == [[str(PROXY_PORT), str(i)] for i in (1, 2, 3)])
    check("each close logs the bytes carried both ways",
          sorted((int(l[3]), int(l[4])) for l in closes) == sorted((s, s) for s in sent_sizes))
    check("three datagrams and three replies counted",
          [int(l[2]) for l in lines if l[0] == "udp"] == [len(d) for d in datagrams]
          and [int(l[2]) for l in lines if l[0] == "udp-reply"] == [len(d) for d in datagrams])
    check("the proxy exits 0 on SIGTERM", proc.returncode == 0)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
