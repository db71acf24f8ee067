"""The one place that picks the authenticator from `ALEX_AUTH`. Each implementation is imported
only when chosen: the interface (`base.py`) knows none of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alex.auth.base import Authenticator
from alex.core.config import Settings

if TYPE_CHECKING:
    import httpx


def make_authenticator(
    settings: Settings, *, http_client: httpx.Client | None = None
) -> Authenticator:
    """The configured authenticator. `http_client` lets tests serve Clerk's JWKS in-process."""
    if settings.auth == "clerk":
        from alex.auth.clerk import ClerkAuthenticator

        return ClerkAuthenticator(settings, http_client=http_client)
    from alex.auth.local import LocalAuthenticator

    return LocalAuthenticator(settings)
