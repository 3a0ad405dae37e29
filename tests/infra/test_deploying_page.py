"""The help center's Deploying page names every stack, alarm and stage setting there is, so it cannot drift."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from infra.stage import Stage

from tests.infra.conftest import STAGE, Synthesized

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "developers" / "deploying.md").read_text(encoding="utf-8")


def test_every_alarm_is_explained(synthesized: Synthesized) -> None:
    names = [
        a["Properties"]["AlarmName"].removeprefix(STAGE.prefix)
        for a in synthesized.resources("Observability", "AWS::CloudWatch::Alarm").values()
    ]
    assert len(names) == 26
    assert [name for name in names if f"`{name}`" not in PAGE] == []


def test_every_stack_is_described(synthesized: Synthesized) -> None:
    parts = [stack.stack_name.removeprefix(f"welt-{STAGE.name}-") for stack in synthesized.welt.stacks]
    assert [part for part in parts if f"| `{part}` |" not in PAGE] == []


def test_every_stage_setting_is_in_the_settings_table() -> None:
    # The stage's own name is given as `stage` (make synth STAGE=...).
    settings = ["stage" if f.name == "name" else f.name for f in dataclasses.fields(Stage)]
    assert [name for name in settings if f"| `{name}`" not in PAGE and f", `{name}`" not in PAGE] == []
