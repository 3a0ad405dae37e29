"""What happened to an order, event by event, and the parcel's tracking once shipped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TimelineEvent(BaseModel):
    """One change in an order's life; `version` is the order version it produced, which orders the timeline."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    at: datetime
    actor: str
    type: str
    details: dict[str, Any] = Field(default_factory=dict)
    version: int = 0

    def public_view(self, staff_names: bool = True) -> dict[str, Any]:
        """The event as shown; a brand sees factory staff by role (`staff`), never a staff user's id."""
        view = self.model_dump(mode="json", exclude={"version"})
        if not staff_names and self.actor.startswith("staff:"):
            view["actor"] = "staff"
        return view


class Tracking(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    carrier: str
    tracking_number: str
    tracking_url: str | None = None
    shipped_at: datetime
