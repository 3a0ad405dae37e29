"""The local stack's stand-in for the scheduled reconciliation: `python -m welt_stack.reconcile [--every N]`.

Run inside the stack (it starts one), or by hand against a running stack (reads .welt/dev-stack.json).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from aws_lambda_powertools import Logger

from welt_stack.schedule import run_every

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

    run_every(args.every, lambda: reconcile(wiring.payment_desk()), logger, "reconciled")


if __name__ == "__main__":
    main()
