"""Serves a folder of static files on loopback (the browser app, the built help center).

`/config.json` can be mapped to a file outside the folder, so the local stack can hand the browser
app its addresses and keys the way deployment will. `/emails.json` can answer the emails the AWS emulator's SES
sent (`emails_url` in dev-stack.json).
"""

from __future__ import annotations

import argparse
import functools
import json
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from welt_stack.mailbox import EMULATORS, sent_emails

EMAILS_PATH = "/emails.json"


class StaticHandler(SimpleHTTPRequestHandler):
    def __init__(
        self, *args: Any, config: Path | None, policy: str | None = None, emails_from: tuple[str, str] | None = None, **kwargs: Any
    ) -> None:
        self._config = config
        self._policy = policy
        self._emails_from = emails_from  # (emulator, its endpoint)
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        if self._emails_from is None or self.path.split("?")[0] != EMAILS_PATH:
            super().do_GET()
            return
        body = json.dumps(sent_emails(*self._emails_from), indent=2).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def translate_path(self, path: str) -> str:
        if self._config is not None and path.split("?")[0] == "/config.json":
            return str(self._config)
        return super().translate_path(path)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        if self._policy:
            # The same headers CloudFront's response headers policy sends, so the browser tests run under them.
            self.send_header("Content-Security-Policy", self._policy)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "strict-origin-when-cross-origin")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--config", type=Path, default=None, help="file served as /config.json")
    parser.add_argument("--policy", default=None, help="Content-Security-Policy sent with every file")
    parser.add_argument("--emails-from", choices=EMULATORS, default=None, help=f"answer {EMAILS_PATH} from this emulator's SES")
    parser.add_argument("--aws-endpoint", default=None, help="the emulator's endpoint, with --emails-from")
    args = parser.parse_args()
    emails_from = (args.emails_from, args.aws_endpoint) if args.emails_from else None
    handler = functools.partial(StaticHandler, directory=str(args.root), config=args.config, policy=args.policy, emails_from=emails_from)
    with ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
