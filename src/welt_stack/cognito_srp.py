"""Cognito's SRP sign-in (USER_SRP_AUTH, PASSWORD_VERIFIER) for the local stack's emulator, as Cognito checks it.

moto (5.2) answers USER_SRP_AUTH with random hex for SALT and SRP_B, its session id as SECRET_BLOCK, and accepts any
PASSWORD_CLAIM_SIGNATURE: every password would sign in. This gives its Cognito the server half of SRP-6a (the
3072-bit group of RFC 5054 with generator 2, SHA-256, HKDF "Caldera Derived Key"), from the password moto keeps,
so a wrong password is refused as Cognito refuses it. What moto does after a good proof (the second-factor and
new-password challenges, the tokens) is moto's own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from datetime import UTC, datetime
from typing import Any

from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpBackend

N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2
WRONG = "Incorrect username or password."
# How long a PASSWORD_VERIFIER may be answered, as Cognito's challenge sessions (minutes).
CHALLENGE_SECONDS = 180


def padded(n: int) -> bytes:
    """Big-endian, with a leading zero byte when the high bit is set, as Cognito's SDKs hash numbers."""
    return n.to_bytes(n.bit_length() // 8 + 1, "big")


def hashed(*parts: bytes) -> int:
    return int.from_bytes(hashlib.sha256(b"".join(parts)).digest(), "big")


K = hashed(padded(N), padded(G))


def verifier(pool_id: str, user_id: str, password: str, salt: str) -> int:
    inner = hashlib.sha256(f"{pool_id.split('_', 1)[1]}{user_id}:{password}".encode()).digest()
    return pow(G, hashed(padded(int(salt, 16)), inner), N)


def expected_signature(pool_id: str, user_id: str, password: str, state: dict[str, Any], timestamp: str) -> bytes:
    """The PASSWORD_CLAIM_SIGNATURE that proves `password` for this challenge."""
    big_a, big_b = state["srp_a"], state["srp_b"]
    u = hashed(padded(big_a), padded(big_b))
    v = verifier(pool_id, user_id, password, state["salt"])
    s = pow(big_a * pow(v, u, N), state["b"], N)
    prk = hmac.new(padded(u), padded(s), hashlib.sha256).digest()
    key = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
    message = f"{pool_id.split('_', 1)[1]}{user_id}".encode() + base64.b64decode(state["secret_block"]) + timestamp.encode()
    return hmac.new(key, message, hashlib.sha256).digest()


class SrpChallenges:
    """The state of each PASSWORD_VERIFIER asked and not yet answered, by its secret block."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, dict[str, Any]] = {}

    def ask(self, answer: dict[str, Any], pool_id: str, user: Any, srp_a: str) -> dict[str, Any]:
        big_a = int(srp_a, 16)
        if big_a % N == 0:
            raise NotAuthorizedError(WRONG)
        salt = secrets.token_hex(16)
        b = secrets.randbelow(N - 2) + 1
        big_b = (K * verifier(pool_id, user.username, user.password or "", salt) + pow(G, b, N)) % N
        moto_session = answer["ChallengeParameters"]["SECRET_BLOCK"]
        secret_block = base64.b64encode(secrets.token_bytes(32) + moto_session.encode()).decode()
        with self._lock:
            # Challenges nobody answered in time are forgotten, so the emulator's memory stays small.
            now = datetime.now(UTC)
            for block in [block for block, state in self._open.items() if (now - state["asked"]).total_seconds() > CHALLENGE_SECONDS]:
                del self._open[block]
            self._open[secret_block] = {
                "srp_a": big_a, "srp_b": big_b, "b": b, "salt": salt, "secret_block": secret_block,
                "moto_session": moto_session, "pool_id": pool_id, "user": user, "asked": datetime.now(UTC),
            }  # fmt: skip
        parameters = {
            "SALT": salt, "SRP_B": format(big_b, "x"), "SECRET_BLOCK": secret_block,
            "USERNAME": user.username, "USER_ID_FOR_SRP": user.username,
        }  # fmt: skip
        return {**answer, "ChallengeParameters": parameters}

    def check(self, responses: dict[str, str]) -> dict[str, str]:
        """moto's own PASSWORD_VERIFIER responses if the signature proves the password; NotAuthorized if not."""
        with self._lock:
            state = self._open.pop(responses.get("PASSWORD_CLAIM_SECRET_BLOCK", ""), None)
        if state is None or (datetime.now(UTC) - state["asked"]).total_seconds() > CHALLENGE_SECONDS:
            raise NotAuthorizedError("Invalid session for the user, session is expired.")
        user = state["user"]
        try:
            sent = base64.b64decode(responses.get("PASSWORD_CLAIM_SIGNATURE", ""), validate=True)
        except ValueError:
            raise NotAuthorizedError(WRONG) from None
        wanted = expected_signature(state["pool_id"], user.username, user.password or "", state, responses.get("TIMESTAMP", ""))
        if not hmac.compare_digest(sent, wanted):
            raise NotAuthorizedError(WRONG)
        return {**responses, "USERNAME": user.username, "PASSWORD_CLAIM_SECRET_BLOCK": state["moto_session"]}


CHALLENGES = SrpChallenges()
_initiate_auth = CognitoIdpBackend.initiate_auth
_respond_to_auth_challenge = CognitoIdpBackend.respond_to_auth_challenge


def initiate_auth(backend: CognitoIdpBackend, client_id: str, auth_flow: str, auth_parameters: dict[str, str]) -> dict[str, Any]:
    answer = _initiate_auth(backend, client_id, auth_flow, auth_parameters)
    if auth_flow != "USER_SRP_AUTH" or answer.get("ChallengeName") != "PASSWORD_VERIFIER":
        return answer
    pool = next(pool for pool in backend.user_pools.values() if client_id in pool.clients)
    user = backend.admin_get_user(pool.id, auth_parameters["USERNAME"])
    return CHALLENGES.ask(answer, pool.id, user, auth_parameters.get("SRP_A", ""))


def respond_to_auth_challenge(
    backend: CognitoIdpBackend, session: str, client_id: str, challenge_name: str, challenge_responses: dict[str, str]
) -> dict[str, Any]:
    if challenge_name == "PASSWORD_VERIFIER":
        challenge_responses = CHALLENGES.check(challenge_responses)
    answer: dict[str, Any] = _respond_to_auth_challenge(backend, session, client_id, challenge_name, challenge_responses)
    return answer


def install() -> None:
    """Make the emulator's Cognito check SRP proofs (the local stack's emulator calls this once)."""
    CognitoIdpBackend.initiate_auth = initiate_auth  # type: ignore[method-assign,assignment]
    CognitoIdpBackend.respond_to_auth_challenge = respond_to_auth_challenge  # type: ignore[method-assign,assignment]
