"""The one place that picks the authenticator from `ALEX_AUTH`. Each implementation is imported
only when chosen: the interface (`base.py`) knows none of them."""

from __future__ import annotations

from alex.auth.base import Authenticator
from alex.core.config import Settings


def make_authenticator(settings: Settings) -> Authenticator:
    if settings.auth == "clerk":
        from alex.auth.clerk import ClerkAuthenticator

        return ClerkAuthenticator(settings)
    from alex.auth.local import LocalAuthenticator

    return LocalAuthenticator(settings)
