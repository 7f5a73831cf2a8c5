"""A TCP relay on 127.0.0.1 in front of any server (the app, PostgreSQL, ...), so a test can
cut the network as an outage would: `drop()` cuts the open connections, `stop()` also
refuses new ones, and `start()` lets them through again, on the same port.
"""

import socket
import threading
import time

from tests.live import free_port


class Relay:
    def __init__(self, host: str, port: int):
        self.upstream = (host, port)
        self.port = free_port()
        self.lock = threading.Lock()
        self.open_sockets: set[socket.socket] = set()
        self.listening: threading.Event | None = None

    @property
    def url(self) -> str:
        """The relay's address, for an HTTP server behind it."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.05)
        self.listening = threading.Event()
        self.listening.set()
        threading.Thread(target=self._accept, args=(listener, self.listening), daemon=True).start()

    def drop(self) -> None:
        """Cut every open connection, without a word to either side."""
        with self.lock:
            doomed, self.open_sockets = self.open_sockets, set()
        for sock in doomed:
            _shut(sock)

    def stop(self) -> None:
        """Refuse new connections and cut the open ones: the server is unreachable."""
        if self.listening is not None:
            self.listening.clear()
            self.listening = None
        time.sleep(0.1)  # the accept loop notices within 50 ms and closes the port
        self.drop()

    def _accept(self, listener: socket.socket, listening: threading.Event) -> None:
        with listener:
            while listening.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                client.settimeout(None)
                try:
                    upstream = socket.create_connection(self.upstream)
                except OSError:
                    client.close()
                    continue
                with self.lock:
                    self.open_sockets |= {client, upstream}
                for source, sink in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self.lock:
                self.open_sockets -= {source, sink}
            _shut(source)
            _shut(sink)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
