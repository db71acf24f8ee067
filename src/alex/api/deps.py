"""Dependencies as `Annotated` aliases so routes stay short. Ownership is checked here, once:
a route that takes `OwnedAccount` can only ever see the caller's account."""

from __future__ import annotations

import asyncio
import hmac
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from alex.api.ratelimit import SharedLimiter
from alex.auth import Authenticator, Principal
from alex.auth.revocations import PROFILE_DELETED, Revocations, issued_at
from alex.core.config import Settings
from alex.core.errors import AuthenticationError, ForbiddenError
from alex.db import repository as repo
from alex.db.models import Account, Job, Position, User
from alex.jobs.queue import JobQueue
from alex.knowledge.factory import knowledge_base
from alex.knowledge.service import KnowledgeBase

# Dependencies that do no I/O are `async def` so FastAPI runs them inline instead of
# hopping to the threadpool for each; the ones that query the database stay sync.
_bearer = HTTPBearer(auto_error=False, description="A JWT from /api/auth/* or from Clerk.")
_service_key = APIKeyHeader(
    name="X-Alex-Service-Key",
    auto_error=False,
    scheme_name="KnowledgeServiceKey",
    description="ALEX_KNOWLEDGE_SERVICE_KEY: lets a script change the knowledge base.",
)


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


# --------------------------------------------------------------------------- knowledge base


@dataclass(frozen=True, slots=True)
class Operator:
    """Who may change the knowledge base: a listed user, or a script holding the service key.
    `id` is what logs and the write budget name (never the key itself)."""

    id: str
    via: Literal["user", "service_key"]


# Not a possible user id (local ones are `usr_…`, Clerk's `user_…`): the key's write budget is
# its own.
SERVICE_KEY_OPERATOR = Operator(id="service:knowledge-key", via="service_key")


async def get_operator(
    request: Request,
    settings: SettingsDep,
    auth: AuthDep,
    service_key: Annotated[str | None, Depends(_service_key)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Operator:
    """The service key (when one is configured) or a signed-in user listed in
    ALEX_OPERATOR_USER_IDS; anyone else is refused (401 without credentials, 403 for an
    ordinary user). A key that is sent but wrong is refused even next to a valid token: the
    caller meant to use it, and silently falling back would hide a broken script."""
    if service_key is not None:
        configured = settings.knowledge_service_key
        # Bytes, not str: compare_digest refuses non-ASCII str, and the header is anyone's text.
        if configured is None or not hmac.compare_digest(
            service_key.encode(), configured.get_secret_value().encode()
        ):
            raise AuthenticationError("invalid service key", field="X-Alex-Service-Key")
        operator = SERVICE_KEY_OPERATOR
    else:
        principal = await get_principal(request, auth, credentials)
        if principal.subject not in settings.operator_user_ids:
            raise ForbiddenError("only knowledge-base operators may do this")
        operator = Operator(id=principal.subject, via="user")
    if request.method not in {"GET", "HEAD", "OPTIONS"}:
        limiter: SharedLimiter = request.app.state.write_limiter
        await run_in_threadpool(limiter.check, operator.id)
    return operator


OperatorDep = Annotated[Operator, Depends(get_operator)]


def get_knowledge(settings: SettingsDep, engine: EngineDep) -> KnowledgeBase:
    """The process's knowledge base. Sync: the first call loads the embedding model.

    Unlike `get_session` it takes no `db_slots` place: the knowledge base opens and closes its
    own short sessions within one thread, so it cannot hold a connection across threadpool
    hops, and an ingest that embeds for minutes must not keep a slot other requests need."""
    return knowledge_base(settings, engine)


KnowledgeDep = Annotated[KnowledgeBase, Depends(get_knowledge)]
