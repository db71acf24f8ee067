"""One "server process" for the shared rate limit test (`python -m tests.api.rate_limit_worker
URL ATTEMPTS`): it says `ready`, waits for a line on stdin so both processes start together,
tries ATTEMPTS hits of one key against a limit of 10 a minute and prints how many it got."""

from __future__ import annotations

import sys

from alex.api.ratelimit import SharedLimiter
from alex.core.errors import RateLimitedError
from alex.db.rate_limits import DatabaseStorage
from alex.db.session import make_engine


def main(url: str, attempts: int) -> None:
    engine = make_engine(url)
    limiter = SharedLimiter(DatabaseStorage(engine), 10, "tries", namespace="procs")
    print("ready", flush=True)
    sys.stdin.readline()
    granted = 0
    for _ in range(attempts):
        try:
            limiter.check("client:two-processes")
            granted += 1
        except RateLimitedError:
            continue
    print(granted, flush=True)
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
