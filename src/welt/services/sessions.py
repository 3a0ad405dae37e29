"""Signing users out on the server: a user's ID tokens issued before their "valid after" instant stop being honoured.

Cognito's ID tokens stay valid for their whole hour however the user was disabled or moved out of staff; Welt's
staff routes check each token's issue time against the instant set here, so access ends at once.

A staff caller's ID token is also honoured only for a short while after it was issued (its `iat`, which a renewal
with the refresh token moves on, unlike `auth_time`): a copied staff token is worth minutes, and a user whose
refresh tokens were revoked (sign-out, disabling) cannot renew theirs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from welt.domain.errors import AuthenticationError
from welt.services.callers import Caller
from welt.services.ports import Clock, SessionRegistry


def revoke_sessions(sessions: SessionRegistry, subject: str, clock: Clock) -> datetime:
    """Tokens `subject` (Cognito's `sub`) holds now are refused from here on; call it when a user is disabled,
    leaves staff or signs out everywhere. Returns the instant; repeating it only moves it later."""
    now = clock()
    sessions.revoke(subject, now)
    return now


def check_session(sessions: SessionRegistry, caller: Caller) -> None:
    """AuthenticationError if the caller's token was issued before their sign-ins were revoked (one read)."""
    valid_after = sessions.valid_after(caller.subject)
    if valid_after is not None and (caller.issued_at is None or caller.issued_at < valid_after):
        raise AuthenticationError("This sign-in was ended by the factory; sign in again.")


def check_token_age(caller: Caller, clock: Clock, lifespan: timedelta) -> None:
    """AuthenticationError if a staff caller's token was issued longer than `lifespan` ago (no read)."""
    if caller.issued_at is None or clock() - caller.issued_at > lifespan:
        raise AuthenticationError(
            f"Factory staff sign-ins are renewed every {_spoken(lifespan)}: renew the token with the refresh token "
            "(REFRESH_TOKEN_AUTH; the app does it by itself) and send the request again, or sign in again."
        )


def _spoken(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"
    return f"{seconds} seconds"
