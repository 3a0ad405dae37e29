"""`make dev`: run the local stack until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from welt_stack.stack import REPO, LocalStack, Ports, StackError


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

    def interrupted(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # Set both explicitly: a shell that starts us in the background leaves SIGINT ignored.
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    try:
        print("Starting the local stack...", flush=True)
        description = stack.start()
        print(json.dumps({k: v for k, v in description.items() if k != "users"}, indent=2))
        print("Demo users (Cognito USER_PASSWORD_AUTH):")
        for user in description["users"]:
            print(f"  {user['role']:<6} {user.get('brand', '-'):<4} {user['email']}  {user['password']}")
            if user.get("totp_secret"):
                print(f"         authenticator key {user['totp_secret']} (codes: welt_stack.seed.authenticator_code)")
        print(f"Emails sent: {description['emails_url']}")
        print(f"Written {stack.description_file}. Ctrl-C stops everything.", flush=True)
        while True:
            time.sleep(1)
            dead = stack.dead()
            if dead:
                print(f"{', '.join(dead)} stopped unexpectedly; see {description['logs']}", file=sys.stderr)
                return 1
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
        return 0
    except StackError as error:
        print(f"The local stack could not start: {error}", file=sys.stderr)
        return 1
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
