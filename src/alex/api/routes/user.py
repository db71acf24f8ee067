"""The caller's profile: get-or-create, update, export everything, delete everything."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response, status
from sqlalchemy import func, select

from alex.api.deps import CurrentUser, SessionDep, SettingsDep, WriteLimited
from alex.api.models import ClassificationExport, JobExport, PriceExport, UserExport
from alex.auth.base import CLOCK_SKEW_SECONDS
from alex.auth.revocations import Revocations
from alex.core.config import Settings
from alex.core.errors import ConflictError
from alex.db import repository as repo
from alex.db.models import Account
from alex.db.types import utcnow
from alex.payloads import JobRead
from alex.schemas import JobEventRead, UserRead, UserUpdate

router = APIRouter(prefix="/api/user", tags=["user"], dependencies=[WriteLimited])


@router.get("", response_model=UserRead)
def get_user(user: CurrentUser) -> UserRead:
    """The caller's profile (created with placeholder figures on first request, with
    `profile_completed_at` null until the user saves their own)."""
    return UserRead.model_validate(user)


# What the profile step asks for. A save that gives all of them makes the profile the user's;
# renaming alone does not make the placeholder age 40 their age.
PROFILE_FIGURES = (
    "current_age",
    "years_until_retirement",
    "target_retirement_income",
    "annual_contribution",
    "asset_class_targets",
    "region_targets",
)


@router.put("", response_model=UserRead)
def update_user(body: UserUpdate, user: CurrentUser, session: SessionDep) -> UserRead:
    """Update profile fields; target allocations must each sum to 100. Saving every figure
    (age, years to retirement, income target, contribution, both targets) completes the
    profile: from then on its figures are the user's, not placeholders."""
    repo.update_user(session, user, body)
    if user.profile_completed_at is None and all(
        getattr(body, field) is not None for field in PROFILE_FIGURES
    ):
        user.profile_completed_at = utcnow()
    session.commit()
    return UserRead.model_validate(user)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(
    request: Request, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """Delete the profile and all the user's accounts, positions, jobs and sign-in. Every token
    issued to the user until now is refused from then on; with Clerk, a new session token
    starts a fresh, empty profile."""
    now = utcnow()
    repo.delete_user(session, user.id)
    # In the same transaction: the data is never gone while its old tokens still work.
    row = repo.revoke_user_tokens(
        session, user.id, issued_before=now, expires_at=now + token_lifetime(settings)
    )
    session.commit()
    revocations: Revocations = request.app.state.revocations
    revocations.apply([row])
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def token_lifetime(settings: Settings) -> timedelta:
    """How long a token issued now may be accepted: ours last ALEX_JWT_TTL_MINUTES; Clerk's
    session tokens last a minute, well inside that."""
    return timedelta(minutes=settings.jwt_ttl_minutes, seconds=CLOCK_SKEW_SECONDS)


@router.get("/export", response_model=UserExport)
def export_user(user: CurrentUser, session: SessionDep) -> UserExport:
    """Everything Alex stores about the caller, as JSON."""
    snapshot = repo.load_portfolio(session, user.id)
    jobs = [
        JobExport(
            **JobRead.model_validate(job).model_dump(),
            events=[
                JobEventRead.model_validate(e)
                for e in repo.list_events(session, job.id, limit=10_000)
            ],
        )
        for job in repo.list_jobs(session, user.id, limit=10_000)
    ]
    return UserExport(
        exported_at=utcnow(),
        user=snapshot.user,
        accounts=snapshot.accounts,
        classifications=[
            ClassificationExport.model_validate(o) for o in repo.user_overlays(session, user.id)
        ],
        prices=[PriceExport.model_validate(p) for p in repo.user_prices(session, user.id)],
        jobs=jobs,
    )


@router.post(
    "/demo-data",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "The profile already has accounts"}},
)
def load_demo_data(user: CurrentUser, session: SessionDep) -> UserRead:
    """Fill an empty profile with the demo accounts and positions."""
    count = session.scalar(
        select(func.count()).select_from(Account).where(Account.user_id == user.id)
    )
    if count:
        raise ConflictError("demo data can only be loaded into a profile without accounts")
    # Imported here: the seeding module brings Alembic, which no other request needs.
    from alex.db.seed import populate_demo_portfolio, seed_instruments

    seed_instruments(session)
    populate_demo_portfolio(session, user.id)
    session.commit()
    return UserRead.model_validate(user)
