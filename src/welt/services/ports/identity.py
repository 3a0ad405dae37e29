"""The user pool and which sign-ins are still honoured."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from welt.domain.team import TeamMember


class SessionRegistry(Protocol):
    """When each user's sign-ins stop being honoured: their tokens issued before that instant are refused."""

    def valid_after(self, subject: str) -> datetime | None: ...

    def revoke(self, subject: str, at: datetime) -> None:
        """Tokens of `subject` issued before `at` are no longer honoured; an earlier `at` than the one held changes nothing."""
        ...


class UserExistsError(Exception):
    """The user pool already has a user with this email."""


class UserDirectory(Protocol):
    """The user pool, Welt's only store of users: brand users carry their brand, staff are in the staff group."""

    def create(self, email: str, name: str, brand: str | None, temporary_password: str) -> TeamMember:
        """A new user who must set their own password at first sign-in (UserExistsError if the email is taken)."""
        ...

    def find(self, email: str) -> TeamMember | None: ...

    def members(self, brand: str | None) -> list[TeamMember]:
        """A brand's users (None: the factory's staff), by email."""
        ...

    def reset_temporary_password(self, email: str, temporary_password: str) -> None:
        """The user must sign in with this new temporary password and set their own again."""
        ...

    def disable(self, email: str) -> None:
        """No more sign-ins, and every refresh token the user holds is revoked."""
        ...

    def enable(self, email: str) -> None: ...
