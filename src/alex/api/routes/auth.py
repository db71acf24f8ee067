"""Sign-in: the auth configuration the web app needs, and built-in accounts (local mode)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.exc import IntegrityError

from alex.api.deps import AuthDep, SessionDep, SettingsDep
from alex.api.models import AuthConfig, SignInRequest, SignUpRequest, TokenResponse
from alex.api.ratelimit import SharedLimiter
from alex.auth.local import LocalAuthenticator, hash_password, verify_password
from alex.auth.revocations import Revocations
from alex.core.errors import AuthenticationError, ConflictError, NotFoundError
from alex.db import repository as repo
from alex.db.models import LocalCredential
from alex.db.seed_data import DEMO_USER_ID
from alex.schemas import UserCreate

router = APIRouter(prefix="/api/auth", tags=["auth"])
jwks_router = APIRouter(tags=["auth"])

_BAD_CREDENTIALS = "invalid email or password"


def _local(auth: AuthDep) -> LocalAuthenticator:
    if not isinstance(auth, LocalAuthenticator):
        raise NotFoundError("built-in sign-in is disabled (ALEX_AUTH=clerk)")
    return auth


def attempt_limiter(request: Request) -> SharedLimiter:
    limiter: SharedLimiter = request.app.state.signin_limiter
    return limiter


def limit_client(request: Request) -> None:
    """Count an attempt against the client's address (the proxy's view, see
    ALEX_FORWARDED_ALLOW_IPS)."""
    client = request.client.host if request.client else "unknown"
    attempt_limiter(request).check(f"client:{client}")


def _token(auth: LocalAuthenticator, user_id: str, name: str | None = None) -> TokenResponse:
    return TokenResponse(
        access_token=auth.issue(user_id, name=name), expires_in=auth.ttl_seconds, user_id=user_id
    )


@router.get("/config", response_model=AuthConfig)
def auth_config(settings: SettingsDep) -> AuthConfig:
    """How the web app should sign users in."""
    return AuthConfig(
        mode=settings.auth,
        demo_enabled=settings.auth == "local" and settings.demo_login_enabled,
        clerk_publishable_key=settings.clerk_publishable_key or None,
    )


@router.post(
    "/signup",
    response_model=TokenResponse,
    status_code=status.HTTP_201_CREATED,
    responses={
        409: {"description": "Email already registered"},
        429: {"description": "Too many attempts; see Retry-After"},
    },
)
def sign_up(
    body: SignUpRequest, request: Request, session: SessionDep, auth: AuthDep
) -> TokenResponse:
    """Create a built-in account and its profile; returns a token."""
    local = _local(auth)
    limit_client(request)
    email = body.email.lower()
    if session.get(LocalCredential, email) is not None:
        raise ConflictError("an account with this email already exists", field="email")
    user_id = f"usr_{uuid.uuid4().hex}"
    password_hash = hash_password(body.password)
    try:
        repo.create_user(session, UserCreate(id=user_id, display_name=body.display_name))
        session.add(LocalCredential(email=email, user_id=user_id, password_hash=password_hash))
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError("an account with this email already exists", field="email") from exc
    return _token(local, user_id, body.display_name)


@router.post(
    "/signin",
    response_model=TokenResponse,
    responses={
        401: {"description": "Wrong email or password"},
        429: {"description": "Too many attempts; see Retry-After"},
    },
)
def sign_in(
    body: SignInRequest, request: Request, session: SessionDep, auth: AuthDep
) -> TokenResponse:
    """Exchange email and password for a token. Unknown emails and wrong passwords get the same
    answer, in the same time."""
    local = _local(auth)
    limit_client(request)
    email_key = f"email:{body.email.lower()}"
    attempt_limiter(request).ensure_allowed(email_key)
    credential = session.get(LocalCredential, body.email.lower())
    if not verify_password(credential.password_hash if credential else None, body.password):
        attempt_limiter(request).record(email_key)
        raise AuthenticationError(_BAD_CREDENTIALS)
    assert credential is not None
    return _token(local, credential.user_id)


@router.post("/demo", response_model=TokenResponse, responses={404: {"description": "Disabled"}})
def demo_sign_in(session: SessionDep, auth: AuthDep, settings: SettingsDep) -> TokenResponse:
    """One-click sign-in as the seeded demo user (local profile only)."""
    local = _local(auth)
    if not settings.demo_login_enabled:
        raise NotFoundError("demo sign-in is disabled")
    if repo.get_user(session, DEMO_USER_ID) is None:
        # Imported here: the seeding module brings Alembic, which no other request needs.
        from alex.db.seed import ensure_demo_user, seed_instruments

        try:
            seed_instruments(session)
            ensure_demo_user(session)
            session.commit()
        except IntegrityError:  # seeded concurrently
            session.rollback()
    return _token(local, DEMO_USER_ID)


@router.post("/signout", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(request: Request, auth: AuthDep, session: SessionDep) -> Response:
    """Revoke the presented token in every server process (built-in tokens; Clerk signs out in
    the browser). Idempotent: a missing or already invalid token is a no-op."""
    scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
    if not isinstance(auth, LocalAuthenticator) or scheme.lower() != "bearer" or not token:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    revocations: Revocations = request.app.state.revocations
    try:
        principal = auth.verify(token)
        revocations.check(principal)
    except AuthenticationError:  # invalid, expired or already signed out
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    jti, exp = principal.claims.get("jti"), principal.claims.get("exp")
    if isinstance(jti, str) and isinstance(exp, int | float):
        row = repo.revoke_token(session, jti, datetime.fromtimestamp(exp, UTC))
        session.commit()
        revocations.apply([row])
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@jwks_router.get("/.well-known/jwks.json")
def jwks(auth: AuthDep) -> dict[str, Any]:
    """The public keys that verify this server's tokens."""
    return auth.jwks()
