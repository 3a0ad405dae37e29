"""The local stack's stand-in for the outbox stream's consumer and the scheduled email retry: every half second
it sends what is waiting, as the stream's consumer sends each new message and the retry sends the rest."""

from __future__ import annotations

import argparse
import time

from aws_lambda_powertools import Logger

from welt.bootstrap import wiring
from welt.config import caps
from welt.services.notifications import deliver_due

logger = Logger(service="welt-email-retry")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--every", type=float, default=30.0, help="seconds between runs")
    parser.add_argument("--once", action="store_true", help="run once and exit")
    args = parser.parse_args()
    while True:
        try:
            sent = deliver_due(wiring.outbox(), wiring.mailer(), wiring.now, per_brand_hour=caps().emails_per_brand_hour)
            if sent:
                logger.info("retried emails", extra={"sent": sent})
        except Exception:  # the emulator may be going away; the next run tries again
            logger.exception("email retry run failed")
        if args.once:
            return
        time.sleep(args.every)


if __name__ == "__main__":
    main()
