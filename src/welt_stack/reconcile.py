"""The local stack's stand-in for the scheduled reconciliation: `python -m welt_stack.reconcile [--every N]`.

Run inside the stack (it starts one), or by hand against a running stack (reads .welt/dev-stack.json).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from aws_lambda_powertools import Logger

logger = Logger(service="welt-reconcile")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--every", type=float, default=0, help="seconds between runs; 0 runs once")
    parser.add_argument(
        "--stack",
        type=Path,
        default=Path(".welt/dev-stack.json"),
        help="the running stack's description, used when no STRIPE_SECRET_KEY is set",
    )
    args = parser.parse_args()
    if "STRIPE_SECRET_KEY" not in os.environ:
        from welt_stack.stack import app_environment

        os.environ.update(app_environment(json.loads(args.stack.read_text()), with_stripe=True))
    from welt.bootstrap import wiring
    from welt.services.payments import reconcile

    while True:
        try:
            outcome = reconcile(wiring.payment_desk())
            logger.info("reconciled", extra=outcome)
            if not args.every:
                print(json.dumps(outcome))
                return
        except Exception:  # the emulators may be going away; the next run tries again
            logger.exception("reconciliation failed")
            if not args.every:
                raise
        time.sleep(args.every)


if __name__ == "__main__":
    main()
