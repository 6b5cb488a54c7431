"""A TCP listener on loopback that records every connection made to it: what a server must
never reach."""

from __future__ import annotations

import socket
import threading


class Listener:
    """Accepts connections on 127.0.0.1 and keeps the first bytes each one sent."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                received = conn.recv(4096)
            except OSError:
                received = b""
            # recorded before the close, so a client that waits for an answer sees it counted
            self.connections.append(received)
            conn.close()

    def close(self) -> None:
        """Stop listening."""
        self._stop.set()
        self._thread.join()
        self.sock.close()
