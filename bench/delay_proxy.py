#!/usr/bin/env python3
"""A WAN link on loopback for bench/wan.sh: forwards TCP (and UDP) from 127.0.0.1 ports to targets
and adds a fixed one-way delay in each direction, so a 25 ms delay is a 50 ms round trip.

  delay_proxy.py [--delay-ms 25] --log FILE [--ready FILE] [--tcp LPORT=HOST:PORT]... [--udp LPORT=HOST:PORT]...

TCP: every chunk read from one side is written to the other side DELAY later, in the order it was
read (one queue and one writer per direction, so nothing is reordered), with TCP_NODELAY on both
sockets (no Nagle hold-back in the proxy). A new connection costs one round trip before its first
byte reaches the target, as the SYN / SYN-ACK exchange of a real link does: client data leaves at
the earliest 2 x DELAY after the accept. A half-close (EOF) is forwarded after the same delay.
UDP (the KDC): each datagram is sent on DELAY later; replies come back DELAY later, one upstream
socket per client address.

Counters go to the log file, one line per event, flushed at once (read them while it runs):
  tcp-open LPORT ID            when a connection is accepted
  tcp-close LPORT ID UP DOWN   when both directions are done (bytes client->target, target->client)
  udp LPORT BYTES              a datagram from a client
  udp-reply LPORT BYTES        a datagram back to a client
Stop it with SIGTERM to its pid. --ready FILE is written once every port listens."""
import argparse
import asyncio
import os
import signal
import socket
import sys

READ_SIZE = 65536


class Log:
    def __init__(self, path: str) -> None:
        self.file = open(path, "a", encoding="ascii", buffering=1)  # line-buffered: one write a line

    def line(self, *fields: object) -> None:
        self.file.write(" ".join(str(f) for f in fields) + "\n")


def endpoint(spec: str) -> tuple[int, str, int]:
    lport, _, target = spec.partition("=")
    host, _, port = target.rpartition(":")
    if not lport.isdigit() or not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected LPORT=HOST:PORT, not {spec!r}")
    return int(lport), host, int(port)


def no_delay(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def pump(reader, writer, delay: float, not_before: float, broken) -> int:
    """Copies reader to writer, each chunk DELAY after it was read (and not before NOT_BEFORE);
    returns the bytes carried. On an error either way, broken() drops the whole connection."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    carried = 0

    async def deliver() -> None:
        while True:
            due, chunk = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if chunk is None:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(chunk)
            await writer.drain()

    writer_task = asyncio.create_task(deliver())
    try:
        while True:
            chunk = await reader.read(READ_SIZE)
            due = max(loop.time(), not_before) + delay
            queue.put_nowait((due, chunk or None))
            if not chunk:
                break
            carried += len(chunk)
        await writer_task
    except (ConnectionError, OSError):
        writer_task.cancel()
        broken()
    return carried


class TcpForwarder:
    def __init__(self, lport: int, host: str, port: int, delay: float, log: Log) -> None:
        self.lport, self.host, self.port, self.delay, self.log = lport, host, port, delay, log
        self.count = 0
        self.tasks: set = set()  # the running handlers, so that none is collected while it waits

    async def handle(self, c_reader, c_writer) -> None:
        task = asyncio.current_task()
        self.tasks.add(task)
        try:
            await self.forward(c_reader, c_writer)
        finally:
            self.tasks.discard(task)

    async def forward(self, c_reader, c_writer) -> None:
        loop = asyncio.get_running_loop()
        self.count += 1
        conn_id = self.count
        self.log.line("tcp-open", self.lport, conn_id)
        established = loop.time() + 2 * self.delay  # SYN there, SYN-ACK back
        no_delay(c_writer)
        try:
            t_reader, t_writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            c_writer.transport.abort()
            self.log.line("tcp-close", self.lport, conn_id, 0, 0)
            return
        no_delay(t_writer)

        def broken() -> None:
            for w in (c_writer, t_writer):
                w.transport.abort()

        up, down = await asyncio.gather(pump(c_reader, t_writer, self.delay, established, broken),
                                        pump(t_reader, c_writer, self.delay, 0.0, broken))
        for w in (c_writer, t_writer):
            w.close()
        self.log.line("tcp-close", self.lport, conn_id, up, down)


class UdpUpstream(asyncio.DatagramProtocol):
    """One client address's socket towards the target: replies go back to that client."""

    def __init__(self, front: "UdpFront", client: tuple) -> None:
        self.front, self.client = front, client
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, _addr) -> None:
        self.front.log.line("udp-reply", self.front.lport, len(data))
        loop = asyncio.get_running_loop()
        loop.call_later(self.front.delay, self.front.transport.sendto, data, self.client)


class UdpFront(asyncio.DatagramProtocol):
    def __init__(self, lport: int, host: str, port: int, delay: float, log: Log) -> None:
        self.lport, self.target, self.delay, self.log = lport, (host, port), delay, log
        self.transport = None
        self.upstreams: dict = {}

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        self.log.line("udp", self.lport, len(data))
        asyncio.get_running_loop().call_later(self.delay, lambda: asyncio.ensure_future(self.forward(data, addr)))

    async def forward(self, data: bytes, addr) -> None:
        upstream = self.upstreams.get(addr)
        if upstream is None:
            loop = asyncio.get_running_loop()
            _, upstream = await loop.create_datagram_endpoint(lambda: UdpUpstream(self, addr),
                                                              remote_addr=self.target)
            self.upstreams[addr] = upstream
        upstream.transport.sendto(data)


async def serve(args) -> None:
    loop = asyncio.get_running_loop()
    delay = args.delay_ms / 1000.0
    log = Log(args.log)
    servers = []
    for lport, host, port in args.tcp:
        fwd = TcpForwarder(lport, host, port, delay, log)
        servers.append(await asyncio.start_server(fwd.handle, "127.0.0.1", lport, reuse_address=True))
    for lport, host, port in args.udp:
        await loop.create_datagram_endpoint(lambda l=lport, h=host, p=port: UdpFront(l, h, p, delay, log),
                                            local_addr=("127.0.0.1", lport))
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    loop.add_signal_handler(signal.SIGINT, stop.set_result, None)
    if args.ready:
        with open(args.ready, "w", encoding="ascii") as ready:
            ready.write("ready\n")
    await stop
    log.file.flush()
    os._exit(0)  # at once, whatever is still in flight: the bench is over




def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=float, default=25.0, help="one-way delay (default 25 ms)")
    parser.add_argument("--log", required=True, help="counter log file (appended)")
    parser.add_argument("--ready", help="file written once every port listens")
    parser.add_argument("--tcp", type=endpoint, action="append", default=[], metavar="LPORT=HOST:PORT")
    parser.add_argument("--udp", type=endpoint, action="append", default=[], metavar="LPORT=HOST:PORT")
    args = parser.parse_args()
    if not args.tcp and not args.udp:
        parser.error("nothing to forward: give --tcp and/or --udp")
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
