"""A TCP relay on 127.0.0.1 in front of any server (the app, PostgreSQL, ...), so a test can
cut the network as an outage would: `drop()` cuts the open connections, `stop()` also
refuses new ones, and `start()` lets them through again, on the same port.
"""

import socket
import threading

from tests.live import free_port


class Relay:
    def __init__(self, host: str, port: int):
        self.upstream = (host, port)
        self.port = free_port()
        self.lock = threading.Lock()
        self.open_sockets: set[socket.socket] = set()
        self.listening: threading.Event | None = None
        self.closed = threading.Event()  # set once the listening port is closed

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
        self.closed = threading.Event()
        threading.Thread(target=self._accept, args=(listener, self.listening, self.closed), daemon=True).start()

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
        assert self.closed.wait(5), "the relay's port did not close"  # the accept loop notices within 50 ms
        self.drop()

    def _accept(self, listener: socket.socket, listening: threading.Event, closed: threading.Event) -> None:
        try:
            self._serve(listener, listening)
        finally:
            closed.set()

    def _serve(self, listener: socket.socket, listening: threading.Event) -> None:
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
