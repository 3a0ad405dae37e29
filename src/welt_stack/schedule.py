"""How the local stack stands in for EventBridge Scheduler: a worker process runs its job every few seconds.

A failed run is logged and the next one tries again (the emulators may be going away), except a single run asked
for by hand, whose error is raised; a single run prints its outcome.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger


def run_every(every: float, job: Callable[[], dict[str, Any]], logger: Logger, what: str) -> None:
    """Run `job` every `every` seconds, forever; once (printing its outcome) when `every` is 0."""
    while True:
        try:
            outcome = job()
            if not every:
                print(json.dumps(outcome))
                return
            if any(outcome.values()):
                logger.info(what, extra=outcome)
        except Exception:
            logger.exception(f"{what}: the run failed")
            if not every:
                raise
        time.sleep(every)
