"""A TCP proxy on 127.0.0.1 in front of PostgreSQL that can lose a connection just after a COMMIT took effect.

Armed (`cut_after_commit()`), the next COMMIT a client sends goes through, and when PostgreSQL's answer comes
back the proxy closes both sides instead of passing it on: the transaction is committed, the client only sees
its connection lost. It answers the client's SSL and GSSAPI requests with "N" itself, so the traffic it reads
is plain.
"""

import socket
import struct
import threading

ENCRYPTION_REQUESTS = {80877103, 80877104}  # SSLRequest, GSSENCRequest


class CommitCutter:
    def __init__(self, host, port):
        self.upstream = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.armed = threading.Event()
        self.cut = threading.Event()  # set once a connection was lost after its COMMIT
        threading.Thread(target=self.accept, daemon=True).start()

    def cut_after_commit(self):
        self.cut.clear()
        self.armed.set()

    def accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            server = socket.create_connection(self.upstream)
            committing = threading.Event()
            threading.Thread(target=self.from_client, args=(client, server, committing), daemon=True).start()
            threading.Thread(target=self.from_server, args=(server, client, committing), daemon=True).start()

    def from_client(self, client, server, committing):
        try:
            while True:  # the startup message, after any number of encryption requests
                length, code = struct.unpack("!II", read(client, 8))
                if code not in ENCRYPTION_REQUESTS:
                    server.sendall(struct.pack("!II", length, code) + read(client, length - 8))
                    break
                client.sendall(b"N")
            while True:  # then messages: a type byte, a length that counts itself, the body
                kind = read(client, 1)
                length = struct.unpack("!I", read(client, 4))[0]
                body = read(client, length - 4)
                if kind == b"Q" and body.upper().startswith(b"COMMIT") and self.armed.is_set():
                    self.armed.clear()
                    committing.set()
                server.sendall(kind + struct.pack("!I", length) + body)
        except OSError:
            close(client, server)

    def from_server(self, server, client, committing):
        try:
            while data := server.recv(65536):
                if committing.is_set():  # PostgreSQL answered the COMMIT: it took effect; the client never hears
                    close(client, server)
                    self.cut.set()
                    return
                client.sendall(data)
        except OSError:
            pass
        close(client, server)

    def close(self):
        self.listener.close()


def read(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def close(*sockets):
    for sock in sockets:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
