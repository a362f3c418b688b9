"""A mail server on 127.0.0.1 in a thread: the SMTP a test's messages really go through (Python 3.12 has no
smtpd). It speaks just what Django's SMTP backend says (EHLO, MAIL, RCPT, DATA, QUIT) and keeps each message,
parsed, before it answers 250: when the sender's call returns, the message is in `received`."""

import email
import email.policy
import socketserver
import threading


class SmtpSink:
    def __init__(self):
        sink, self.received = self, []

        class Handler(socketserver.StreamRequestHandler):
            def say(self, line):
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                self.say("220 sink ready")
                while line := self.rfile.readline():
                    verb = line[:4].upper()
                    if verb == b"DATA":
                        self.say("354 end with a dot")
                        sink.keep(self.rfile)
                        self.say("250 kept")
                    elif verb == b"QUIT":
                        self.say("221 bye")
                        return
                    else:  # EHLO, HELO, MAIL, RCPT, RSET, NOOP
                        self.say("250 ok")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def keep(self, stream):
        lines = []
        while (line := stream.readline()) not in (b".\r\n", b".\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)  # RFC 5321's dot-stuffing undone
        self.received.append(email.message_from_bytes(b"".join(lines), policy=email.policy.default))

    def close(self):
        self.server.shutdown()
        self.server.server_close()
