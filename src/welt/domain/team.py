"""The people who sign in to Welt: a brand's team or the factory's staff, their states, and first passwords."""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from enum import StrEnum


class UserState(StrEnum):
    INVITED = "invited"  # has a temporary password and has not yet set their own
    ACTIVE = "active"  # has set their own password
    DISABLED = "disabled"  # cannot sign in; their refresh tokens are revoked


@dataclass(frozen=True)
class TeamMember:
    """One user as the user pool knows them; `brand` None is factory staff."""

    email: str
    name: str
    state: UserState
    brand: str | None
    created_at: str | None = None

    def public_view(self) -> dict[str, str | None]:
        return {"email": self.email, "name": self.name, "state": self.state.value, "brand": self.brand, "created_at": self.created_at}


# The user pool's password policy (infra/auth_stack.py sets the same): the browser shows it before the
# user types, and every temporary password Welt makes meets it.
PASSWORD_MIN_LENGTH = 12
PASSWORD_RULES = (
    "at least 12 characters",
    "a lower-case letter",
    "an upper-case letter",
    "a digit",
    "a symbol such as ! or #",
)
# How long a temporary password works (Cognito's TemporaryPasswordValidityDays): then staff send a new one.
TEMPORARY_PASSWORD_DAYS = 7
# Symbols Cognito accepts that read unambiguously in an email and survive copy and paste.
_SYMBOLS = "!#%+-=?@"
_UNAMBIGUOUS = "".join(c for c in string.ascii_letters + string.digits if c not in "0OoIl1")


def temporary_password(length: int = 16) -> str:
    """A random password that meets the pool's policy: one of each kind at random places, the rest random."""
    kinds = [string.ascii_lowercase, string.ascii_uppercase, string.digits, _SYMBOLS]
    chosen = [secrets.choice([c for c in kind if c in _UNAMBIGUOUS or kind is _SYMBOLS]) for kind in kinds]
    chosen += [secrets.choice(_UNAMBIGUOUS + _SYMBOLS) for _ in range(length - len(chosen))]
    # secrets has no shuffle: draw the positions with it too.
    shuffled = []
    while chosen:
        shuffled.append(chosen.pop(secrets.randbelow(len(chosen))))
    return "".join(shuffled)


def password_problems(password: str) -> list[str]:
    """The policy rules `password` breaks (none for a good one)."""
    checks = [
        len(password) >= PASSWORD_MIN_LENGTH,
        bool(re.search(r"[a-z]", password)),
        bool(re.search(r"[A-Z]", password)),
        bool(re.search(r"[0-9]", password)),
        bool(re.search(r"[^A-Za-z0-9]", password)),
    ]
    return [rule for rule, met in zip(PASSWORD_RULES, checks, strict=True) if not met]
