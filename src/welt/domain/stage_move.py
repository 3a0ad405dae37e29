"""The last production stage move staff made, kept for a minute so a slip of the hand can be taken back."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from welt.domain.statuses import ProductionStage

# How long staff have to take back a stage move made by mistake (a slip of the hand, the wrong row).
UNDO_WINDOW = timedelta(minutes=1)


class StageMove(BaseModel):
    """The last stage move staff made, kept so it can be taken back within `UNDO_WINDOW`.

    `version` is the order version the move produced: if the order is at another version, something
    changed it since and the move is no longer the order's latest word.
    """

    model_config = ConfigDict(defer_build=True, frozen=True)

    from_stage: ProductionStage
    from_entered_at: datetime | None = None
    at: datetime
    version: int
