"""Built-in accounts: argon2 password hashes and RS256 tokens signed with a key generated on
first run under `var/auth/`. Tokens are verified exactly as Clerk's are (signature, exp, iss)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from alex.auth.base import Principal, VerifiedTokens, decode_rs256, key_id
from alex.core.config import Settings
from alex.core.errors import AuthenticationError

log = logging.getLogger(__name__)

KEY_FILE = "jwt_signing_key.pem"
_hasher = PasswordHasher()
# Verified against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + uuid.uuid4().hex)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def load_or_create_key(directory: Path) -> rsa.RSAPrivateKey:
    """The server's signing key, created (mode 0600) on first run. Safe when several
    processes start at once: exactly one creates the file, the others read it."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / KEY_FILE
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        tmp = directory / f".{KEY_FILE}.{os.getpid()}.{uuid.uuid4().hex}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        try:
            os.link(tmp, path)  # atomic, fails if another process won the race
            log.info("generated a new JWT signing key", extra={"path": str(path)})
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise RuntimeError(f"{path} does not hold an RSA private key")
    return loaded


def jwk_thumbprint(public_jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint, used as the key id."""
    canonical = json.dumps(
        {k: public_jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class LocalAuthenticator:
    mode = "local"

    def __init__(self, settings: Settings, *, key: rsa.RSAPrivateKey | None = None) -> None:
        self.issuer = settings.jwt_issuer
        self.ttl_seconds = settings.jwt_ttl_minutes * 60
        self._key = key or load_or_create_key(settings.var_dir / "auth")
        self._public_key = self._key.public_key()
        public_jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self._public_key))
        self.kid = jwk_thumbprint(public_jwk)
        self._jwk = {**public_jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}
        self._verified = VerifiedTokens()

    def issue(self, subject: str, *, name: str | None = None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + self.ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        if name:
            claims["name"] = name
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def verify(self, token: str) -> Principal:
        principal = self._verified.get(token)
        if principal is None:
            kid = key_id(token)
            if kid is not None and kid != self.kid:
                raise AuthenticationError("invalid token")
            principal = decode_rs256(token, self._public_key, issuer=self.issuer)
            self._verified.put(token, principal)
        return principal

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self._jwk]}
