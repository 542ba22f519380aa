"""A tiny SMTP server that waits before it greets, as a slow mail server does.

Used by tests/production/test_task_queue.py and `make cluster-test` to show
that no request waits for mail: the worker does. Each message received is kept
in `messages` (and written to --maildir as a .eml file when given).

    python cluster/slow_smtp.py --port 9331 --delay 5 --maildir /tmp/mail
"""

import argparse
import email
import email.policy
import socketserver
import threading
import time
from pathlib import Path


class SlowSMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, delay, maildir=None):
        super().__init__(("127.0.0.1", port), _Session)
        self.delay = delay
        self.maildir = Path(maildir) if maildir else None
        self.messages = []  # email.message.EmailMessage, in the order received
        self.lock = threading.Lock()

    @property
    def port(self):
        return self.server_address[1]

    def keep(self, raw):
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
            if self.maildir:
                self.maildir.mkdir(parents=True, exist_ok=True)
                (self.maildir / f"{time.time_ns()}.eml").write_bytes(raw)

    def start(self):
        """Serve in a daemon thread; returns self."""
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self


class _Session(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        time.sleep(self.server.delay)
        self.reply("220 slow-smtp ready")
        while line := self.rfile.readline():
            verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 slow-smtp")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with .")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                self.server.keep(b"".join(lines))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=5.0, help="seconds before the greeting")
    parser.add_argument("--maildir", help="folder to write each message to as a .eml file")
    args = parser.parse_args()
    server = SlowSMTPServer(args.port, args.delay, args.maildir)
    print(f"slow SMTP on 127.0.0.1:{server.port}, greeting after {args.delay} s", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
