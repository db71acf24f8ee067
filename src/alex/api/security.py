"""Security headers (a CSP suited to the statically exported Next.js app), CORS from an
allow-list, and an access log that carries the user id but never a token."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlparse

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alex.core.config import Settings
from alex.core.metrics import HTTP_REQUESTS, HTTP_SECONDS

log = logging.getLogger("alex.api.access")

# Swagger UI and ReDoc load their bundles from jsDelivr and start with an inline script.
_DOCS_PATHS = ("/docs", "/redoc")
_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def clerk_origins(settings: Settings) -> list[str]:
    """Clerk's Frontend API origin (its token issuer) plus its image host, in clerk mode."""
    if settings.auth != "clerk":
        return []
    origins = []
    for url in (settings.clerk_issuer, settings.clerk_jwks_url):
        parsed = urlparse(url)
        if parsed.scheme in {"http", "https"} and parsed.netloc:
            origins.append(f"{parsed.scheme}://{parsed.netloc}")
    return sorted(set(origins))


def content_security_policy(settings: Settings) -> str:
    clerk = clerk_origins(settings)
    clerk_src = " ".join(clerk)
    script = "script-src 'self'" + (
        f" {clerk_src} https://challenges.cloudflare.com" if clerk else ""
    )
    connect = "connect-src 'self'" + (f" {clerk_src}" if clerk else "")
    img = "img-src 'self' data: blob:" + (" https://img.clerk.com" if clerk else "")
    frame = (
        "frame-src 'none'" if not clerk else "frame-src 'self' https://challenges.cloudflare.com"
    )
    worker = "worker-src 'self' blob:"
    return "; ".join(
        [
            "default-src 'self'",
            script,
            # Next.js and Recharts set inline styles.
            "style-src 'self' 'unsafe-inline'",
            img,
            "font-src 'self' data:",
            connect,
            frame,
            worker,
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware overhead): adds headers and logs each request."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        csp = content_security_policy(settings)
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
        ]
        if settings.env == "production":
            common.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
        self.headers = [*common, (b"content-security-policy", csp.encode())]
        self.docs_headers = [*common, (b"content-security-policy", _DOCS_CSP.encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        extra = self.docs_headers if path.startswith(_DOCS_PATHS) else self.headers
        no_store = path.startswith("/api/") or path.startswith("/.well-known/")
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers.extend(h for h in extra if h[0] not in names)
                if no_store and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - started
            route = route_label(scope)
            HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
            HTTP_SECONDS.labels(scope["method"], route).observe(elapsed)
            if path not in ("/health", "/ready", "/metrics"):
                state = scope.get("state") or {}
                log.info(
                    "%s %s %s",
                    scope["method"],
                    path,
                    status,
                    extra={
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 1),
                        "user_id": state.get("user_id"),
                    },
                )


def route_label(scope: Scope) -> str:
    """The matched API route's template (`/api/accounts/{account_id}`), never the raw path, so
    metric labels stay few. The web app's files and unknown paths share one label."""
    template = getattr(scope.get("route"), "path", None)
    return template if isinstance(template, str) and template else "other"


def install(app: FastAPI, settings: Settings) -> None:
    wildcard = "*" in settings.cors_origins
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        # Bearer tokens need no cookies; credentials are never combined with a wildcard.
        allow_credentials=not wildcard,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)
