"""`make dev`: run the local stack until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from welt_stack.processes import run_until_interrupted
from welt_stack.stack import REPO, LocalStack, Ports


def main() -> int:
    parser = argparse.ArgumentParser(prog="welt-dev", description="Run Welt locally.")
    parser.add_argument("--moto-port", type=int, default=5055)
    parser.add_argument("--orders-port", type=int, default=8001)
    parser.add_argument("--payments-port", type=int, default=8002)
    parser.add_argument("--stripe-port", type=int, default=8420)
    parser.add_argument("--web-port", type=int, default=8000)
    parser.add_argument("--docs-port", type=int, default=8003)
    parser.add_argument("--aeat-port", type=int, default=8421, help="the stand-in for AEAT's VERI*FACTU service")
    parser.add_argument("--state-dir", type=Path, default=REPO / ".welt", help="where dev-stack.json and logs go")
    args = parser.parse_args()
    ports = Ports(
        moto=args.moto_port,
        orders=args.orders_port,
        payments=args.payments_port,
        stripe=args.stripe_port,
        web=args.web_port,
        docs=args.docs_port,
        aeat=args.aeat_port,
    )
    stack = LocalStack(ports, state_dir=args.state_dir)
    return run_until_interrupted(stack, "Starting the local stack...", "The local stack")


if __name__ == "__main__":
    sys.exit(main())
