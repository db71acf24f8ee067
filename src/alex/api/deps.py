"""Dependencies as `Annotated` aliases so routes stay short. Ownership is checked here, once:
a route that takes `OwnedAccount` can only ever see the caller's account."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from alex.api.ratelimit import SharedLimiter
from alex.auth import Authenticator, Principal
from alex.auth.revocations import PROFILE_DELETED, Revocations, issued_at
from alex.core.config import Settings
from alex.core.errors import AuthenticationError
from alex.db import repository as repo
from alex.db.models import Account, Job, Position, User
from alex.jobs.queue import JobQueue

# Dependencies that do no I/O are `async def` so FastAPI runs them inline instead of
# hopping to the threadpool for each; the ones that query the database stay sync.
_bearer = HTTPBearer(auto_error=False, description="A JWT from /api/auth/* or from Clerk.")


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_authenticator(request: Request) -> Authenticator:
    auth: Authenticator = request.app.state.auth
    return auth


async def get_queue(request: Request) -> JobQueue:
    queue: JobQueue = request.app.state.queue
    return queue


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session per request. Routes that write call `session.commit()` themselves, before the
    response is built, so a failed commit is reported to the client.

    A request holds one of `db_slots` (sized to the connection pool) while it has a session.
    Sync dependencies and handlers run in separate threadpool hops and a session keeps its
    connection between hops; without the bound, requests holding connections could wait for
    threads that are themselves waiting for connections (a pool deadlock under load)."""
    slots: asyncio.Semaphore = request.app.state.db_slots
    factory: sessionmaker[Session] = request.app.state.session_factory
    async with slots:
        session = factory()
        try:
            yield session
        finally:
            session.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
AuthDep = Annotated[Authenticator, Depends(get_authenticator)]
QueueDep = Annotated[JobQueue, Depends(get_queue)]
SessionDep = Annotated[Session, Depends(get_session)]


async def get_principal(
    request: Request,
    auth: AuthDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError("missing bearer token")
    if auth.mode == "local":  # CPU only (~0.1 ms)
        principal = auth.verify(credentials.credentials)
    else:  # may fetch the JWKS over the network
        principal = await run_in_threadpool(auth.verify, credentials.credentials)
    revocations: Revocations = request.app.state.revocations
    revocations.check(principal)
    request.state.user_id = principal.subject
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_caller_id(principal: PrincipalDep) -> str:
    """The caller's user id, with no database work: a token's subject is the user id. Reads use
    this; a user without a profile row yet simply owns nothing."""
    return principal.subject


CallerId = Annotated[str, Depends(get_caller_id)]


def get_current_user(principal: PrincipalDep, session: SessionDep) -> User:
    """The caller's profile, created on their first request (Clerk users have no sign-up).
    Routes that read or write the profile, or create rows that reference it, use this."""
    user = repo.get_user(session, principal.subject)
    if user is not None:
        return user
    if repo.user_tokens_revoked(session, principal.subject, issued_at(principal)):
        raise AuthenticationError(PROFILE_DELETED)
    try:
        user = repo.get_or_create_user(session, principal.subject, principal.display_name)
        session.commit()
    except IntegrityError:  # a concurrent first request created it
        session.rollback()
        user = repo.require_user(session, principal.subject)
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def limit_writes(request: Request, caller_id: CallerId) -> None:
    """Per-user write budget (ALEX_WRITE_RATE_PER_MINUTE); reads are not limited. Synchronous:
    the count is a database transaction, so FastAPI runs it in its thread pool."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    limiter: SharedLimiter = request.app.state.write_limiter
    limiter.check(caller_id)


WriteLimited = Depends(limit_writes)


# Owning a resource implies the owner's profile exists, so these check ownership against the
# token's subject without loading the profile.
def get_owned_account(account_id: uuid.UUID, caller_id: CallerId, session: SessionDep) -> Account:
    return repo.get_owned_account(session, caller_id, account_id)


def get_owned_position(
    position_id: uuid.UUID, caller_id: CallerId, session: SessionDep
) -> Position:
    return repo.get_owned_position(session, caller_id, position_id)


def get_owned_job(job_id: uuid.UUID, caller_id: CallerId, session: SessionDep) -> Job:
    return repo.get_owned_job(session, caller_id, job_id)


def get_owned_job_id(job_id: uuid.UUID, caller_id: CallerId, session: SessionDep) -> uuid.UUID:
    """Ownership alone, without loading the job's (large) result sections."""
    repo.check_job_owner(session, caller_id, job_id)
    return job_id


OwnedAccount = Annotated[Account, Depends(get_owned_account)]
OwnedPosition = Annotated[Position, Depends(get_owned_position)]
OwnedJob = Annotated[Job, Depends(get_owned_job)]
OwnedJobId = Annotated[uuid.UUID, Depends(get_owned_job_id)]
