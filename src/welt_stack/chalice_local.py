"""`chalice local` as the local stack runs it: Chalice's own command, with Nagle's algorithm off on each connection.

Chalice's dev server writes an answer's headers and its body as two small writes. On a kept-alive connection (a
browser, a `requests.Session`, schemathesis) Nagle's algorithm holds the body back until the client acknowledges the
headers, and the client delays that acknowledgement by 40 ms: every answer took 44 ms where a fresh connection got
it in 3 ms. `disable_nagle_algorithm` is the standard library's switch for exactly this (`socketserver`), which
Chalice's handler leaves off. API Gateway, which serves the deployed APIs, is not a Python dev server: this changes
nothing there.

Usage: `python -m welt_stack.chalice_local local --host 127.0.0.1 --port 8001 --no-autoreload`, run from an app's
folder, as `chalice` itself would be.
"""

from __future__ import annotations

import sys

from chalice import local
from chalice.cli import main as chalice_main


def without_nagle() -> None:
    """Every connection `chalice local` accepts from now on sends each write at once (TCP_NODELAY)."""
    local.ChaliceRequestHandler.disable_nagle_algorithm = True


def main() -> int:
    without_nagle()
    return int(chalice_main() or 0)


if __name__ == "__main__":
    sys.exit(main())
