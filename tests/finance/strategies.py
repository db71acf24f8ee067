"""Hypothesis strategies for random portfolios built from the factory universe."""

from __future__ import annotations

from hypothesis import strategies as st

from alex.schemas import PortfolioSnapshot

from .factories import UNIVERSE, account, snapshot

CLASSIFIED = sorted(s for s, i in UNIVERSE.items() if i.is_classified and i.current_price)
ACCOUNT_TYPES = ["401k", "roth_ira", "traditional_ira", "hsa", "taxable", "taxable"]

quantities = st.decimals(min_value="0.5", max_value="900", places=3, allow_nan=False)
cash_amounts = st.decimals(min_value="0", max_value="20000", places=2, allow_nan=False)


@st.composite
def portfolios(
    draw: st.DrawFn, *, symbols: list[str] | None = None, min_accounts: int = 1
) -> PortfolioSnapshot:
    """1–3 accounts of random types, each holding a few instruments and some cash."""
    pool = symbols or CLASSIFIED
    n_accounts = draw(st.integers(min_accounts, 3))
    accounts = []
    for a in range(n_accounts):
        held = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4, unique=True))
        accounts.append(
            account(
                f"Account {a}",
                draw(st.sampled_from(ACCOUNT_TYPES)),
                draw(cash_amounts),
                {s: draw(quantities) for s in held},
            )
        )
    return snapshot(*accounts)
