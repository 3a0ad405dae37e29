"""The local stack's stand-in for the scheduled sending of VERI*FACTU records: `python -m welt_stack.submit_records`.

Deployed, EventBridge Scheduler runs the payments package's `submit_records` every minute; here a process runs the
same queue every few seconds against the stack's AEAT stand-in (the queue's own turn and AEAT's wait decide what
is sent, however often it runs).
"""

from __future__ import annotations

import argparse

from aws_lambda_powertools import Logger

from welt_stack.schedule import run_every

logger = Logger(service="welt-submit-records")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--every", type=float, default=0, help="seconds between runs; 0 runs once")
    args = parser.parse_args()
    from welt.bootstrap import wiring

    run_every(args.every, lambda: wiring.submission_queue().run(), logger, "records submitted")


if __name__ == "__main__":
    main()
