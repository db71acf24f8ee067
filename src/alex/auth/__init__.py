"""Authentication behind one interface: built-in accounts with server-signed JWTs (`local`) or
Clerk session tokens (`clerk`), chosen by `ALEX_AUTH` in `make_authenticator`."""

from alex.auth.base import Authenticator, Principal
from alex.auth.factory import make_authenticator

__all__ = ["Authenticator", "Principal", "make_authenticator"]
