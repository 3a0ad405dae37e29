"""The local stack's stand-in for the scheduled sending of VERI*FACTU records: `python -m welt_stack.submit_records`.

Deployed, EventBridge Scheduler runs the payments package's `submit_records` every minute; here a process runs the
same queue every few seconds against the stack's AEAT stand-in (the queue's own turn and AEAT's wait decide what
is sent, however often it runs).
"""

from __future__ import annotations

import argparse
import json
import time

from aws_lambda_powertools import Logger

logger = Logger(service="welt-submit-records")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--every", type=float, default=0, help="seconds between runs; 0 runs once")
    args = parser.parse_args()
    from welt.bootstrap import wiring

    while True:
        try:
            outcome = wiring.submission_queue().run()
            if outcome["sent"]:
                logger.info("records submitted", extra=outcome)
            if not args.every:
                print(json.dumps(outcome))
                return
        except Exception:  # the emulators may be going away; the next run tries again
            logger.exception("submitting records failed")
            if not args.every:
                raise
        time.sleep(args.every)


if __name__ == "__main__":
    main()
