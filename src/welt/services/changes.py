"""Read, change, write: the one way a business change is retried when another writer got there first."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from welt.domain.errors import StateConflictError
from welt.services.ports import ConcurrentUpdateError

Result = TypeVar("Result")

# Enough for a hundred checkouts of one brand at once (each round has one winner); a change that loses
# this often is answered 409 rather than looping.
ATTEMPTS = 120
BACKOFF_CAP_SECONDS = 0.05


def until_applied(attempt: Callable[[], Result], what: str) -> Result:
    """Run `attempt` (which reads, decides and commits one transaction) until no other writer interferes.

    Each run re-reads the state, so the change re-checks its rules against what the winner wrote.
    """
    for tries in range(ATTEMPTS):
        try:
            return attempt()
        except ConcurrentUpdateError:
            ceiling = min(BACKOFF_CAP_SECONDS, 0.002 * 2 ** min(tries, 6))
            time.sleep(random.uniform(0, ceiling))  # noqa: S311 (jitter, not secrecy)
    raise StateConflictError(f"{what} keeps changing; try again.")
