"""Every business change on the fakes, crashed before and after each storage call: entirely before or after."""

from __future__ import annotations

import pytest

from tests.backends import Backend, fake_backend
from tests.crash import SCENARIOS, Scenario, run_crashes
from tests.fakes import Crashes, FakeStore


def crashing_fakes() -> tuple[Backend, Crashes]:
    backend = fake_backend()
    assert isinstance(backend.store, FakeStore)
    return backend, backend.store.crashes


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_a_change_crashed_at_any_call_is_before_or_after_and_a_retry_completes_it(scenario: Scenario) -> None:
    assert run_crashes(scenario, crashing_fakes) >= 2
