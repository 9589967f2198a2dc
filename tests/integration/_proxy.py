"""A small HTTP/1.1 fault proxy on loopback, between a workstation and a real server process.

One thread per client connection, one upstream connection per client connection; requests and
responses are framed by ``Content-Length`` (every answer of the server is JSON). The test sets a
fault with :meth:`FaultProxy.arm`; it applies to the next ``times`` requests whose request line
starts with ``match`` (e.g. ``b"POST /v1/push"``), then the proxy passes again:

- ``drop``: close the client's connection before forwarding the request (SYNC-FAULTS 1);
- ``drop_reply``: forward, let the server answer, close without replying (fault 2);
- ``cut``: forward, reply with the headers and only the first ``n`` bytes of the body (fault 30);
- ``duplicate``: send the request to the server twice, reply with the first answer;
- ``status``: answer ``n`` (503, 429…) without forwarding (fault 19).

``log`` holds (request line, action, server's status or None, server's body) per request.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass

Exchange = tuple[bytes, str, int | None, bytes]


@dataclass
class _Fault:
    mode: str
    match: bytes
    times: int
    n: int


def _read_message(sock: socket.socket, buf: bytearray) -> bytes | None:
    """One HTTP message (head + Content-Length body) from ``sock``; None when it closed first."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head_end = buf.index(b"\r\n\r\n") + 4
    length = 0
    for line in bytes(buf[:head_end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(buf) < head_end + length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buf += chunk
    message = bytes(buf[: head_end + length])
    del buf[: head_end + length]
    return message


def _split(message: bytes) -> tuple[int, bytes, bytes]:
    head, _, body = message.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head + b"\r\n\r\n", body


class FaultProxy:
    """Listens on 127.0.0.1 (``url``) and forwards to ``upstream`` (host, port)."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.log: list[Exchange] = []
        self._lock = threading.Lock()
        self._fault: _Fault | None = None
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    # ------------------------------------------------------------------ control (any thread)

    def arm(self, mode: str, *, match: bytes = b"", times: int = 1, n: int = 0) -> None:
        """Apply ``mode`` to the next ``times`` requests starting with ``match``."""
        assert mode in {"drop", "drop_reply", "cut", "duplicate", "status"}, mode
        with self._lock:
            self._fault = _Fault(mode, match, times, n)

    def disarm(self) -> None:
        """Pass everything from now on."""
        with self._lock:
            self._fault = None

    def exchanges(self, match: bytes = b"") -> list[Exchange]:
        """The logged exchanges whose request line starts with ``match``."""
        with self._lock:
            return [e for e in self.log if e[0].startswith(match)]

    def close(self) -> None:
        """Stop accepting; open connections end with their clients."""
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()

    # ------------------------------------------------------------------ plumbing

    def _take(self, line: bytes) -> _Fault | None:
        with self._lock:
            f = self._fault
            if f is None or not line.startswith(f.match):
                return None
            f.times -= 1
            if f.times <= 0:
                self._fault = None
            return f

    def _serve(self) -> None:
        while not self._closed:
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            t = threading.Thread(target=self._connection, args=(client,), daemon=True)
            self._threads.append(t)
            t.start()

    def _connection(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        cbuf, ubuf = bytearray(), bytearray()
        try:
            while True:
                request = _read_message(client, cbuf)
                if request is None:
                    return
                line = request.split(b"\r\n", 1)[0]
                fault = self._take(line)
                mode = fault.mode if fault else "pass"
                if fault is not None and mode == "status":
                    body = b'{"detail":"proxy fault"}'
                    client.sendall(
                        b"HTTP/1.1 %d Fault\r\ncontent-type: application/json\r\n"
                        b"retry-after: 1\r\ncontent-length: %d\r\n\r\n%s"
                        % (fault.n, len(body), body)
                    )
                    self._record(line, f"status {fault.n}", None, b"")
                    continue
                if mode == "drop":
                    self._record(line, mode, None, b"")
                    return
                if upstream is None:
                    upstream = socket.create_connection(self.upstream, timeout=60)
                answers = []
                for _ in range(2 if mode == "duplicate" else 1):
                    upstream.sendall(request)
                    answer = _read_message(upstream, ubuf)
                    if answer is None:  # the server died: the client sees a cut connection
                        self._record(line, f"{mode} (server closed)", None, b"")
                        return
                    answers.append(answer)
                status, head, body = _split(answers[0])
                for extra in answers[1:]:
                    self._record(line, "duplicate (2nd)", *_split(extra)[::2])
                self._record(line, mode, status, body)
                if mode == "drop_reply":
                    return
                if fault is not None and mode == "cut":
                    client.sendall(head + body[: fault.n])
                    return
                client.sendall(answers[0])
        except OSError:
            return
        finally:
            client.close()
            if upstream is not None:
                upstream.close()

    def _record(self, line: bytes, action: str, status: int | None, body: bytes) -> None:
        with self._lock:
            self.log.append((line, action, status, body))
