"""The curated fund set and the demo portfolio.

About 90 of the funds US savers hold most (total-market, S&P 500, international, bond,
target-date, dividend, REIT and money-market funds, ETF and mutual-fund share classes), each
with an asset-class, region and sector breakdown and a note naming where it comes from.

Breakdowns are approximations rounded to the point from the issuers' published portfolio
composition (sector and country weights drift a few points a year); funds that track the same
index share one breakdown, and a fund of funds (target-date, balanced, world) is looked
through its underlying index funds. Prices are approximate late-2026 closes: the seed records
them in the price history with source 'seed', and they are reported stale once older than
`price_max_age_days`. Each breakdown sums to exactly 100.

S&P 500 stocks are not curated here: the shipped S&P 500 file classifies them exactly (see
`reference_data.py`); `SEED_STOCK_PRICES` only gives the ones the demo and examples use a
price."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

PRICE_AS_OF = date(2026, 11, 20)
# When the curated breakdowns were compiled; the notes name what each follows.
CLASSIFIED_AS_OF = date(2026, 11, 20)


@dataclass(frozen=True)
class Breakdown:
    """An instrument's three allocations, each summing to 100."""

    asset_class: dict[str, float]
    regions: dict[str, float]
    sectors: dict[str, float]


_US = {"north_america": 100.0}
_GLOBAL = {"other": 100.0}
_CENT = Decimal("0.01")


def _equity(sectors: dict[str, float], regions: dict[str, float] = _US) -> Breakdown:
    return Breakdown({"equity": 100.0}, regions, sectors)


def _bonds(sectors: dict[str, float], regions: dict[str, float] = _US) -> Breakdown:
    return Breakdown({"fixed_income": 100.0}, regions, sectors)


def blend(*parts: tuple[float, Breakdown]) -> Breakdown:
    """Look a fund of funds through its holdings: `parts` are (percent of the fund, the
    holding's breakdown), the percents summing to 100. Weights are rounded to the cent and the
    rounding residue goes to the largest weight, so each result sums to exactly 100."""
    if sum(Decimal(str(w)) for w, _ in parts) != 100:
        raise ValueError("blend weights must sum to 100")

    def mix(pick: str) -> dict[str, float]:
        totals: dict[str, Decimal] = {}
        for weight, breakdown in parts:
            for key, value in getattr(breakdown, pick).items():
                share = Decimal(str(weight)) * Decimal(str(value)) / 100
                totals[key] = totals.get(key, Decimal(0)) + share
        rounded = {k: v.quantize(_CENT, ROUND_HALF_EVEN) for k, v in totals.items()}
        largest = max(rounded, key=lambda k: rounded[k])
        rounded[largest] += 100 - sum(rounded.values())
        return {k: float(v) for k, v in sorted(rounded.items(), key=lambda kv: -kv[1]) if v}

    return Breakdown(mix("asset_class"), mix("regions"), mix("sectors"))


# --------------------------------------------------------------------------- breakdowns
# US equity, by index. Sectors are GICS sectors.

US_TOTAL_MARKET = _equity(
    {
        "technology": 32.0,
        "financials": 13.5,
        "consumer_discretionary": 10.5,
        "healthcare": 10.0,
        "communication": 9.5,
        "industrials": 9.5,
        "consumer_staples": 5.0,
        "energy": 3.0,
        "real_estate": 2.5,
        "utilities": 2.3,
        "materials": 2.2,
    }
)
SP_500 = _equity(
    {
        "technology": 34.0,
        "financials": 13.5,
        "consumer_discretionary": 10.5,
        "communication": 10.0,
        "healthcare": 9.0,
        "industrials": 8.5,
        "consumer_staples": 5.0,
        "energy": 3.0,
        "utilities": 2.5,
        "real_estate": 2.0,
        "materials": 2.0,
    }
)
US_LARGE_CAP = _equity(
    {
        "technology": 33.0,
        "financials": 13.5,
        "consumer_discretionary": 10.5,
        "communication": 9.5,
        "healthcare": 9.5,
        "industrials": 9.0,
        "consumer_staples": 5.0,
        "energy": 3.0,
        "utilities": 2.5,
        "real_estate": 2.3,
        "materials": 2.2,
    }
)
NASDAQ_100 = _equity(
    {
        "technology": 50.0,
        "communication": 16.0,
        "consumer_discretionary": 14.0,
        "healthcare": 6.0,
        "consumer_staples": 5.0,
        "industrials": 5.0,
        "utilities": 1.5,
        "materials": 1.0,
        "financials": 0.5,
        "energy": 0.5,
        "real_estate": 0.5,
    },
    {"north_america": 97.0, "europe": 2.0, "emerging_markets": 1.0},
)
US_GROWTH = _equity(
    {
        "technology": 50.0,
        "consumer_discretionary": 18.0,
        "communication": 12.0,
        "healthcare": 6.0,
        "industrials": 5.0,
        "financials": 5.0,
        "real_estate": 1.5,
        "consumer_staples": 1.0,
        "materials": 1.0,
        "energy": 0.5,
    }
)
US_LARGE_GROWTH = _equity(
    {
        "technology": 49.0,
        "consumer_discretionary": 15.0,
        "communication": 13.0,
        "healthcare": 7.0,
        "financials": 6.0,
        "industrials": 5.0,
        "consumer_staples": 2.0,
        "materials": 1.0,
        "real_estate": 1.0,
        "energy": 1.0,
    }
)
US_VALUE = _equity(
    {
        "financials": 22.0,
        "healthcare": 15.0,
        "industrials": 14.0,
        "consumer_staples": 9.0,
        "technology": 9.0,
        "energy": 7.0,
        "utilities": 6.0,
        "consumer_discretionary": 5.0,
        "real_estate": 5.0,
        "communication": 4.0,
        "materials": 4.0,
    }
)
US_MID_CAP = _equity(
    {
        "industrials": 17.0,
        "technology": 16.0,
        "financials": 15.0,
        "consumer_discretionary": 10.0,
        "healthcare": 9.0,
        "real_estate": 7.0,
        "utilities": 7.0,
        "energy": 5.0,
        "materials": 5.0,
        "consumer_staples": 5.0,
        "communication": 4.0,
    }
)
US_SMALL_CAP = _equity(
    {
        "industrials": 20.0,
        "financials": 15.0,
        "technology": 14.0,
        "consumer_discretionary": 13.0,
        "healthcare": 11.0,
        "real_estate": 8.0,
        "materials": 5.0,
        "energy": 4.0,
        "consumer_staples": 4.0,
        "utilities": 3.0,
        "communication": 3.0,
    }
)
SP_MIDCAP_400 = _equity(
    {
        "industrials": 23.0,
        "financials": 18.0,
        "consumer_discretionary": 13.0,
        "technology": 11.0,
        "healthcare": 8.0,
        "real_estate": 7.0,
        "materials": 6.0,
        "consumer_staples": 5.0,
        "energy": 4.0,
        "utilities": 3.0,
        "communication": 2.0,
    }
)
SP_SMALLCAP_600 = _equity(
    {
        "industrials": 20.0,
        "financials": 20.0,
        "consumer_discretionary": 13.0,
        "healthcare": 11.0,
        "technology": 11.0,
        "real_estate": 8.0,
        "materials": 5.0,
        "energy": 4.0,
        "consumer_staples": 3.0,
        "communication": 3.0,
        "utilities": 2.0,
    }
)
RUSSELL_2000 = _equity(
    {
        "industrials": 18.0,
        "financials": 17.0,
        "healthcare": 16.0,
        "technology": 14.0,
        "consumer_discretionary": 10.0,
        "real_estate": 6.0,
        "energy": 5.0,
        "materials": 4.0,
        "communication": 4.0,
        "utilities": 3.0,
        "consumer_staples": 3.0,
    }
)
DIVIDEND_APPRECIATION = _equity(
    {
        "technology": 25.0,
        "financials": 22.0,
        "healthcare": 14.0,
        "industrials": 12.0,
        "consumer_staples": 10.0,
        "consumer_discretionary": 7.0,
        "materials": 4.0,
        "utilities": 3.0,
        "energy": 2.0,
        "communication": 1.0,
    }
)
DIVIDEND_100 = _equity(
    {
        "energy": 20.0,
        "consumer_staples": 19.0,
        "healthcare": 15.0,
        "industrials": 12.0,
        "financials": 9.0,
        "consumer_discretionary": 8.0,
        "technology": 8.0,
        "communication": 5.0,
        "materials": 3.0,
        "utilities": 1.0,
    }
)
HIGH_DIVIDEND_YIELD = _equity(
    {
        "financials": 22.0,
        "technology": 13.0,
        "healthcare": 12.0,
        "industrials": 12.0,
        "consumer_staples": 11.0,
        "energy": 9.0,
        "consumer_discretionary": 7.0,
        "utilities": 6.0,
        "communication": 5.0,
        "materials": 3.0,
    }
)
DIVIDEND_GROWTH = _equity(
    {
        "financials": 19.0,
        "technology": 19.0,
        "healthcare": 16.0,
        "industrials": 12.0,
        "consumer_staples": 10.0,
        "utilities": 7.0,
        "energy": 6.0,
        "consumer_discretionary": 6.0,
        "materials": 3.0,
        "communication": 2.0,
    }
)
US_TECHNOLOGY = _equity({"technology": 100.0})
US_HEALTH_CARE = _equity({"healthcare": 100.0})
US_FINANCIALS = _equity({"financials": 100.0})
US_ENERGY = _equity({"energy": 100.0})
US_REITS = Breakdown({"real_estate": 100.0}, _US, {"real_estate": 100.0})

# International equity.

TOTAL_INTERNATIONAL = _equity(
    {
        "financials": 23.0,
        "industrials": 15.0,
        "technology": 13.0,
        "consumer_discretionary": 11.0,
        "healthcare": 8.0,
        "materials": 7.0,
        "consumer_staples": 6.0,
        "communication": 6.0,
        "energy": 5.0,
        "utilities": 3.0,
        "real_estate": 3.0,
    },
    {"europe": 39.0, "asia_pacific": 27.0, "emerging_markets": 26.0, "north_america": 8.0},
)
# FTSE Developed ex US: Europe, the Pacific (Korea included) and Canada.
DEVELOPED_EX_US = _equity(
    {
        "financials": 23.0,
        "industrials": 19.0,
        "healthcare": 10.0,
        "consumer_discretionary": 10.0,
        "technology": 9.0,
        "consumer_staples": 7.0,
        "materials": 7.0,
        "energy": 5.0,
        "communication": 4.0,
        "utilities": 3.0,
        "real_estate": 3.0,
    },
    {"europe": 52.0, "asia_pacific": 38.0, "north_america": 10.0},
)
# MSCI EAFE: Europe, Australasia and the Far East; no Canada, no Korea.
EAFE = _equity(
    {
        "financials": 22.0,
        "industrials": 18.0,
        "healthcare": 12.0,
        "consumer_discretionary": 10.0,
        "technology": 8.0,
        "consumer_staples": 8.0,
        "materials": 6.0,
        "communication": 5.0,
        "utilities": 4.0,
        "energy": 4.0,
        "real_estate": 3.0,
    },
    {"europe": 66.0, "asia_pacific": 34.0},
)
EMERGING_MARKETS = _equity(
    {
        "technology": 24.0,
        "financials": 22.0,
        "consumer_discretionary": 13.0,
        "communication": 9.0,
        "industrials": 7.0,
        "materials": 6.0,
        "energy": 5.0,
        "consumer_staples": 5.0,
        "healthcare": 4.0,
        "utilities": 3.0,
        "real_estate": 2.0,
    },
    {"emerging_markets": 100.0},
)
# FTSE Global All Cap: about 62 % US and 38 % the rest of the world.
TOTAL_WORLD = blend((62, US_TOTAL_MARKET), (38, TOTAL_INTERNATIONAL))

# Bonds. Sectors: government (Treasury, agency, sovereign, municipal), corporate, securitized
# (mortgage- and asset-backed).

US_AGGREGATE_FLOAT_ADJUSTED = _bonds(
    {"government_bonds": 48.0, "corporate_bonds": 30.0, "securitized": 20.0, "other": 2.0},
    {"north_america": 96.0, "europe": 3.0, "asia_pacific": 1.0},
)
US_AGGREGATE = _bonds(
    {"government_bonds": 45.0, "securitized": 27.0, "corporate_bonds": 26.0, "cash": 2.0},
    {"north_america": 97.0, "europe": 2.0, "asia_pacific": 1.0},
)
INTERNATIONAL_BONDS = _bonds(
    {"government_bonds": 80.0, "corporate_bonds": 14.0, "securitized": 4.0, "other": 2.0},
    {
        "europe": 55.0,
        "asia_pacific": 22.0,
        "emerging_markets": 8.0,
        "north_america": 7.0,
        "other": 8.0,
    },
)
SHORT_TERM_BONDS = _bonds(
    {"government_bonds": 67.0, "corporate_bonds": 31.0, "other": 2.0},
    {"north_america": 95.0, "europe": 3.0, "other": 2.0},
)
INTERMEDIATE_TERM_BONDS = _bonds(
    {"government_bonds": 53.0, "corporate_bonds": 45.0, "other": 2.0},
    {"north_america": 93.0, "europe": 4.0, "other": 3.0},
)
US_TREASURIES = _bonds({"government_bonds": 100.0})
US_MUNICIPAL_BONDS = _bonds({"government_bonds": 100.0})
INVESTMENT_GRADE_CORPORATE = _bonds(
    {"corporate_bonds": 99.0, "cash": 1.0},
    {"north_america": 88.0, "europe": 9.0, "asia_pacific": 3.0},
)
HIGH_YIELD_CORPORATE = _bonds(
    {"corporate_bonds": 98.0, "cash": 2.0}, {"north_america": 88.0, "europe": 8.0, "other": 4.0}
)
# Treasury bills of up to three months behave as cash; the sector says what is held.
TREASURY_BILLS = Breakdown({"cash": 100.0}, _US, {"government_bonds": 100.0})
MONEY_MARKET = Breakdown({"cash": 100.0}, _US, {"cash": 100.0})

# Commodities and allocation funds.

GOLD = Breakdown({"commodities": 100.0}, _GLOBAL, {"precious_metals": 100.0})
SILVER = GOLD
ISHARES_60_40 = Breakdown(
    {"equity": 60.0, "fixed_income": 39.0, "cash": 1.0},
    {"north_america": 70.0, "europe": 14.0, "asia_pacific": 9.0, "emerging_markets": 7.0},
    {
        "technology": 17.0,
        "financials": 9.0,
        "healthcare": 6.0,
        "consumer_discretionary": 6.0,
        "industrials": 6.0,
        "communication": 4.0,
        "consumer_staples": 3.0,
        "real_estate": 3.0,
        "energy": 2.0,
        "materials": 2.0,
        "utilities": 2.0,
        "government_bonds": 22.0,
        "corporate_bonds": 10.0,
        "securitized": 7.0,
        "cash": 1.0,
    },
)
ISHARES_80_20 = Breakdown(
    {"equity": 80.0, "fixed_income": 19.0, "cash": 1.0},
    {"north_america": 66.0, "europe": 17.0, "asia_pacific": 10.0, "emerging_markets": 7.0},
    {
        "technology": 22.0,
        "financials": 13.0,
        "industrials": 9.0,
        "healthcare": 8.0,
        "consumer_discretionary": 8.0,
        "communication": 6.0,
        "consumer_staples": 4.0,
        "energy": 3.0,
        "materials": 3.0,
        "utilities": 2.0,
        "real_estate": 2.0,
        "government_bonds": 11.0,
        "corporate_bonds": 5.0,
        "securitized": 3.0,
        "cash": 1.0,
    },
)
BALANCED_60_40 = blend((60, US_TOTAL_MARKET), (40, US_AGGREGATE_FLOAT_ADJUSTED))


def vanguard_target_retirement(stocks: float) -> Breakdown:
    """A Vanguard Target Retirement fund holding `stocks` % equity (60 % of it US, 40 %
    international) and the rest bonds (70 % US, 30 % international), through its four index
    funds."""
    bonds = 100 - stocks
    return blend(
        (round(stocks * 0.6, 2), US_TOTAL_MARKET),
        (round(stocks * 0.4, 2), TOTAL_INTERNATIONAL),
        (round(bonds * 0.7, 2), US_AGGREGATE_FLOAT_ADJUSTED),
        (round(bonds * 0.3, 2), INTERNATIONAL_BONDS),
    )


# Equity share of each Vanguard Target Retirement fund on Vanguard's glide path in late 2026
# (90 % until about 25 years before the target date, falling to 50 % at it), approximate.
TARGET_RETIREMENT_STOCKS = {
    2030: 58.0,
    2035: 66.0,
    2040: 72.0,
    2045: 79.0,
    2050: 86.0,
    2055: 90.0,
    2060: 90.0,
    2065: 90.0,
}

# --------------------------------------------------------------------------- the curated funds


def _fund(
    symbol: str,
    name: str,
    instrument_type: str,
    price: str,
    expense_ratio: str,
    breakdown: Breakdown,
    note: str,
) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "name": name,
        "instrument_type": instrument_type,
        "current_price": price,
        "price_as_of": PRICE_AS_OF,
        "allocation_asset_class": breakdown.asset_class,
        "allocation_regions": breakdown.regions,
        "allocation_sectors": breakdown.sectors,
        "classification_source": "seed",
        "expense_ratio": expense_ratio,
        "classification_note": note,
        "classified_as_of": CLASSIFIED_AS_OF,
    }


def _facts(issuer: str, symbol: str, what: str) -> str:
    return f"{issuer} fund facts for {symbol} ({what}), rounded; approximate"


def _share_class(issuer: str, symbol: str, of: str, what: str) -> str:
    return f"{issuer} fund facts for {of} ({what}), the same portfolio as {symbol}; approximate"


_TR_NOTE = (
    "Vanguard Target Retirement {year}: {stocks:g} % stocks on Vanguard's glide path in late "
    "2026 (approximate), looked through its index funds with the curated breakdowns of VTI, "
    "VXUS, BND and BNDX"
)
_TR_FUNDS = {
    2030: ("VTHRX", "42.00"),
    2035: ("VTTHX", "26.00"),
    2040: ("VFORX", "48.00"),
    2045: ("VTIVX", "32.00"),
    2050: ("VFIFX", "58.00"),
    2055: ("VFFVX", "65.00"),
    2060: ("VTTSX", "58.00"),
    2065: ("VLXVX", "35.00"),
}

VANGUARD, ISHARES, SCHWAB, FIDELITY = "Vanguard", "iShares", "Schwab", "Fidelity"
SPDR, INVESCO = "SPDR (State Street)", "Invesco"
ETF, MF, BOND, REIT = "etf", "mutual_fund", "bond_fund", "reit"
CRSP_TOTAL, SP500, AGG_FA = "CRSP US Total Market", "S&P 500", "Bloomberg US Agg Float Adjusted"

# fmt: off
SEED_INSTRUMENTS: list[dict[str, Any]] = [
    # US total market
    _fund("VTI", "Vanguard Total Stock Market ETF", ETF, "335.00", "0.0003", US_TOTAL_MARKET,
          _facts(VANGUARD, "VTI", CRSP_TOTAL)),
    _fund("VTSAX", "Vanguard Total Stock Market Index Fund Admiral Shares", MF, "163.00",
          "0.0004", US_TOTAL_MARKET, _share_class(VANGUARD, "VTI", "VTSAX", CRSP_TOTAL)),
    _fund("ITOT", "iShares Core S&P Total U.S. Stock Market ETF", ETF, "146.00", "0.0003",
          US_TOTAL_MARKET, _facts(ISHARES, "ITOT", "S&P Total Market")),
    _fund("SCHB", "Schwab U.S. Broad Market ETF", ETF, "26.50", "0.0003", US_TOTAL_MARKET,
          _facts(SCHWAB, "SCHB", "Dow Jones US Broad Stock Market")),
    _fund("SWTSX", "Schwab Total Stock Market Index Fund", MF, "17.50", "0.0003",
          US_TOTAL_MARKET, _facts(SCHWAB, "SWTSX", "Dow Jones US Total Stock Market")),
    _fund("FSKAX", "Fidelity Total Market Index Fund", MF, "175.00", "0.00015", US_TOTAL_MARKET,
          _facts(FIDELITY, "FSKAX", "Dow Jones US Total Stock Market")),
    _fund("FZROX", "Fidelity ZERO Total Market Index Fund", MF, "23.50", "0", US_TOTAL_MARKET,
          _facts(FIDELITY, "FZROX", "Fidelity US Total Investable Market")),
    # S&P 500 and US large caps
    _fund("SPY", "SPDR S&P 500 ETF Trust", ETF, "680.00", "0.000945", SP_500,
          _facts(SPDR, "SPY", SP500)),
    _fund("VOO", "Vanguard S&P 500 ETF", ETF, "625.00", "0.0003", SP_500,
          _facts(VANGUARD, "VOO", SP500)),
    _fund("IVV", "iShares Core S&P 500 ETF", ETF, "683.00", "0.0003", SP_500,
          _facts(ISHARES, "IVV", SP500)),
    _fund("SPLG", "SPDR Portfolio S&P 500 ETF", ETF, "80.00", "0.0002", SP_500,
          _facts(SPDR, "SPLG", SP500)),
    _fund("VFIAX", "Vanguard 500 Index Fund Admiral Shares", MF, "625.00", "0.0004", SP_500,
          _share_class(VANGUARD, "VOO", "VFIAX", SP500)),
    _fund("FXAIX", "Fidelity 500 Index Fund", MF, "236.00", "0.00015", SP_500,
          _facts(FIDELITY, "FXAIX", SP500)),
    _fund("SWPPX", "Schwab S&P 500 Index Fund", MF, "11.30", "0.0002", SP_500,
          _facts(SCHWAB, "SWPPX", SP500)),
    _fund("SCHX", "Schwab U.S. Large-Cap ETF", ETF, "26.50", "0.0003", US_LARGE_CAP,
          _facts(SCHWAB, "SCHX", "Dow Jones US Large-Cap Total Stock Market")),
    _fund("QQQ", "Invesco QQQ Trust", ETF, "610.00", "0.0020", NASDAQ_100,
          _facts(INVESCO, "QQQ", "Nasdaq-100")),
    _fund("QQQM", "Invesco NASDAQ 100 ETF", ETF, "251.00", "0.0015", NASDAQ_100,
          _share_class(INVESCO, "QQQ", "QQQM", "Nasdaq-100")),
    # US style and size
    _fund("VUG", "Vanguard Growth ETF", ETF, "480.00", "0.0004", US_GROWTH,
          _facts(VANGUARD, "VUG", "CRSP US Large Cap Growth")),
    _fund("SCHG", "Schwab U.S. Large-Cap Growth ETF", ETF, "32.00", "0.0004", US_LARGE_GROWTH,
          _facts(SCHWAB, "SCHG", "Dow Jones US Large-Cap Growth Total Stock Market")),
    _fund("VTV", "Vanguard Value ETF", ETF, "185.00", "0.0004", US_VALUE,
          _facts(VANGUARD, "VTV", "CRSP US Large Cap Value")),
    _fund("VO", "Vanguard Mid-Cap ETF", ETF, "295.00", "0.0004", US_MID_CAP,
          _facts(VANGUARD, "VO", "CRSP US Mid Cap")),
    _fund("VB", "Vanguard Small-Cap ETF", ETF, "255.00", "0.0005", US_SMALL_CAP,
          _facts(VANGUARD, "VB", "CRSP US Small Cap")),
    _fund("IJH", "iShares Core S&P Mid-Cap ETF", ETF, "66.00", "0.0005", SP_MIDCAP_400,
          _facts(ISHARES, "IJH", "S&P MidCap 400")),
    _fund("IJR", "iShares Core S&P Small-Cap ETF", ETF, "120.00", "0.0006", SP_SMALLCAP_600,
          _facts(ISHARES, "IJR", "S&P SmallCap 600")),
    _fund("IWM", "iShares Russell 2000 ETF", ETF, "245.00", "0.0019", RUSSELL_2000,
          _facts(ISHARES, "IWM", "Russell 2000")),
    # US sectors
    _fund("VGT", "Vanguard Information Technology ETF", ETF, "750.00", "0.0009", US_TECHNOLOGY,
          _facts(VANGUARD, "VGT", "MSCI US IMI Information Technology 25/50")),
    _fund("XLK", "Technology Select Sector SPDR Fund", ETF, "290.00", "0.0008", US_TECHNOLOGY,
          _facts(SPDR, "XLK", "Technology Select Sector")),
    _fund("XLV", "Health Care Select Sector SPDR Fund", ETF, "150.00", "0.0008",
          US_HEALTH_CARE, _facts(SPDR, "XLV", "Health Care Select Sector")),
    _fund("XLF", "Financial Select Sector SPDR Fund", ETF, "53.00", "0.0008", US_FINANCIALS,
          _facts(SPDR, "XLF", "Financial Select Sector")),
    _fund("XLE", "Energy Select Sector SPDR Fund", ETF, "90.00", "0.0008", US_ENERGY,
          _facts(SPDR, "XLE", "Energy Select Sector")),
    # Dividend
    _fund("SCHD", "Schwab U.S. Dividend Equity ETF", ETF, "27.50", "0.0006", DIVIDEND_100,
          _facts(SCHWAB, "SCHD", "Dow Jones US Dividend 100")),
    _fund("VYM", "Vanguard High Dividend Yield ETF", ETF, "140.00", "0.0006",
          HIGH_DIVIDEND_YIELD, _facts(VANGUARD, "VYM", "FTSE High Dividend Yield")),
    _fund("VIG", "Vanguard Dividend Appreciation ETF", ETF, "215.00", "0.0005",
          DIVIDEND_APPRECIATION, _facts(VANGUARD, "VIG", "S&P US Dividend Growers")),
    _fund("DGRO", "iShares Core Dividend Growth ETF", ETF, "68.00", "0.0008", DIVIDEND_GROWTH,
          _facts(ISHARES, "DGRO", "Morningstar US Dividend Growth")),
    # Real estate
    _fund("VNQ", "Vanguard Real Estate ETF", REIT, "92.00", "0.0013", US_REITS,
          _facts(VANGUARD, "VNQ", "MSCI US IMI Real Estate 25/50")),
    _fund("VGSLX", "Vanguard Real Estate Index Fund Admiral Shares", REIT, "135.00", "0.0013",
          US_REITS, _share_class(VANGUARD, "VNQ", "VGSLX", "MSCI US IMI Real Estate 25/50")),
    _fund("SCHH", "Schwab U.S. REIT ETF", REIT, "22.00", "0.0007", US_REITS,
          _facts(SCHWAB, "SCHH", "Dow Jones Equity All REIT Capped")),
    # International
    _fund("VXUS", "Vanguard Total International Stock ETF", ETF, "74.00", "0.0005",
          TOTAL_INTERNATIONAL, _facts(VANGUARD, "VXUS", "FTSE Global All Cap ex US")),
    _fund("VTIAX", "Vanguard Total International Stock Index Fund Admiral Shares", MF, "37.00",
          "0.0009", TOTAL_INTERNATIONAL,
          _share_class(VANGUARD, "VXUS", "VTIAX", "FTSE Global All Cap ex US")),
    _fund("IXUS", "iShares Core MSCI Total International Stock ETF", ETF, "80.00", "0.0007",
          TOTAL_INTERNATIONAL, _facts(ISHARES, "IXUS", "MSCI ACWI ex USA IMI")),
    _fund("FTIHX", "Fidelity Total International Index Fund", MF, "17.00", "0.0006",
          TOTAL_INTERNATIONAL, _facts(FIDELITY, "FTIHX", "MSCI ACWI ex USA IMI")),
    _fund("VEA", "Vanguard FTSE Developed Markets ETF", ETF, "60.00", "0.0003",
          DEVELOPED_EX_US, _facts(VANGUARD, "VEA", "FTSE Developed All Cap ex US")),
    _fund("SCHF", "Schwab International Equity ETF", ETF, "24.00", "0.0006", DEVELOPED_EX_US,
          _facts(SCHWAB, "SCHF", "FTSE Developed ex US")),
    _fund("EFA", "iShares MSCI EAFE ETF", ETF, "93.00", "0.0032", EAFE,
          _facts(ISHARES, "EFA", "MSCI EAFE")),
    _fund("IEFA", "iShares Core MSCI EAFE ETF", ETF, "88.00", "0.0007", EAFE,
          _facts(ISHARES, "IEFA", "MSCI EAFE IMI")),
    _fund("FSPSX", "Fidelity International Index Fund", MF, "58.00", "0.00035", EAFE,
          _facts(FIDELITY, "FSPSX", "MSCI EAFE")),
    _fund("SWISX", "Schwab International Index Fund", MF, "27.00", "0.0006", EAFE,
          _facts(SCHWAB, "SWISX", "MSCI EAFE")),
    _fund("VWO", "Vanguard FTSE Emerging Markets ETF", ETF, "53.00", "0.0007",
          EMERGING_MARKETS,
          _facts(VANGUARD, "VWO", "FTSE Emerging Markets All Cap China A Inclusion")),
    _fund("IEMG", "iShares Core MSCI Emerging Markets ETF", ETF, "66.00", "0.0009",
          EMERGING_MARKETS, _facts(ISHARES, "IEMG", "MSCI Emerging Markets IMI")),
    _fund("SCHE", "Schwab Emerging Markets Equity ETF", ETF, "32.00", "0.0007",
          EMERGING_MARKETS, _facts(SCHWAB, "SCHE", "FTSE Emerging")),
    _fund("VT", "Vanguard Total World Stock ETF", ETF, "140.00", "0.0006", TOTAL_WORLD,
          _facts(VANGUARD, "VT", "FTSE Global All Cap; looked through as 62 % VTI, 38 % VXUS")),
    _fund("VTWAX", "Vanguard Total World Stock Index Fund Admiral Shares", MF, "47.00",
          "0.0010", TOTAL_WORLD, _share_class(VANGUARD, "VT", "VTWAX", "FTSE Global All Cap")),
    # Bonds
    _fund("BND", "Vanguard Total Bond Market ETF", BOND, "74.00", "0.0003",
          US_AGGREGATE_FLOAT_ADJUSTED, _facts(VANGUARD, "BND", AGG_FA)),
    _fund("VBTLX", "Vanguard Total Bond Market Index Fund Admiral Shares", BOND, "9.90",
          "0.0004", US_AGGREGATE_FLOAT_ADJUSTED, _share_class(VANGUARD, "BND", "VBTLX", AGG_FA)),
    _fund("AGG", "iShares Core US Aggregate Bond ETF", BOND, "100.00", "0.0003", US_AGGREGATE,
          _facts(ISHARES, "AGG", "Bloomberg US Aggregate")),
    _fund("SCHZ", "Schwab U.S. Aggregate Bond ETF", BOND, "23.50", "0.0003", US_AGGREGATE,
          _facts(SCHWAB, "SCHZ", "Bloomberg US Aggregate")),
    _fund("FXNAX", "Fidelity U.S. Bond Index Fund", BOND, "10.50", "0.00025", US_AGGREGATE,
          _facts(FIDELITY, "FXNAX", "Bloomberg US Aggregate")),
    _fund("BNDX", "Vanguard Total International Bond ETF", BOND, "49.50", "0.0007",
          INTERNATIONAL_BONDS, _facts(VANGUARD, "BNDX", "Bloomberg Global Agg ex-USD, USD hedged")),
    _fund("BSV", "Vanguard Short-Term Bond ETF", BOND, "79.00", "0.0003", SHORT_TERM_BONDS,
          _facts(VANGUARD, "BSV", "Bloomberg US 1-5 Year Government/Credit")),
    _fund("BIV", "Vanguard Intermediate-Term Bond ETF", BOND, "78.00", "0.0003",
          INTERMEDIATE_TERM_BONDS,
          _facts(VANGUARD, "BIV", "Bloomberg US 5-10 Year Government/Credit")),
    _fund("VGSH", "Vanguard Short-Term Treasury ETF", BOND, "58.80", "0.0003", US_TREASURIES,
          _facts(VANGUARD, "VGSH", "Bloomberg US Treasury 1-3 Year")),
    _fund("VGIT", "Vanguard Intermediate-Term Treasury ETF", BOND, "60.00", "0.0003",
          US_TREASURIES, _facts(VANGUARD, "VGIT", "Bloomberg US Treasury 3-10 Year")),
    _fund("VGLT", "Vanguard Long-Term Treasury ETF", BOND, "57.00", "0.0003", US_TREASURIES,
          _facts(VANGUARD, "VGLT", "Bloomberg US Long Treasury")),
    _fund("TLT", "iShares 20+ Year Treasury Bond ETF", BOND, "90.00", "0.0015", US_TREASURIES,
          _facts(ISHARES, "TLT", "ICE US Treasury 20+ Year")),
    _fund("TIP", "iShares TIPS Bond ETF", BOND, "111.00", "0.0018", US_TREASURIES,
          _facts(ISHARES, "TIP", "ICE US Treasury Inflation Linked")),
    _fund("VTIP", "Vanguard Short-Term Inflation-Protected Securities ETF", BOND, "50.00",
          "0.0003", US_TREASURIES, _facts(VANGUARD, "VTIP", "Bloomberg US TIPS 0-5 Year")),
    _fund("VTEB", "Vanguard Tax-Exempt Bond ETF", BOND, "50.00", "0.0003", US_MUNICIPAL_BONDS,
          _facts(VANGUARD, "VTEB", "S&P National AMT-Free Municipal Bond; municipal bonds filed as "
                 "government bonds")),
    _fund("MUB", "iShares National Muni Bond ETF", BOND, "107.00", "0.0005",
          US_MUNICIPAL_BONDS,
          _facts(ISHARES, "MUB", "ICE AMT-Free US National Municipal; municipal bonds filed "
                 "as government bonds")),
    _fund("LQD", "iShares iBoxx $ Investment Grade Corporate Bond ETF", BOND, "111.00",
          "0.0014", INVESTMENT_GRADE_CORPORATE,
          _facts(ISHARES, "LQD", "iBoxx USD Liquid Investment Grade")),
    _fund("HYG", "iShares iBoxx $ High Yield Corporate Bond ETF", BOND, "80.00", "0.0049",
          HIGH_YIELD_CORPORATE, _facts(ISHARES, "HYG", "iBoxx USD Liquid High Yield")),
    _fund("SGOV", "iShares 0-3 Month Treasury Bond ETF", BOND, "100.50", "0.0009",
          TREASURY_BILLS, _facts(ISHARES, "SGOV", "ICE 0-3 Month US Treasury; held as cash")),
    # Money market (a broker's core cash position)
    _fund("VMFXX", "Vanguard Federal Money Market Fund", MF, "1.00", "0.0011", MONEY_MARKET,
          _facts(VANGUARD, "VMFXX", "government money market")),
    _fund("SPAXX", "Fidelity Government Money Market Fund", MF, "1.00", "0.0042", MONEY_MARKET,
          _facts(FIDELITY, "SPAXX", "government money market")),
    _fund("FDRXX", "Fidelity Government Cash Reserves", MF, "1.00", "0.0033", MONEY_MARKET,
          _facts(FIDELITY, "FDRXX", "government money market")),
    _fund("SWVXX", "Schwab Value Advantage Money Fund", MF, "1.00", "0.0034", MONEY_MARKET,
          _facts(SCHWAB, "SWVXX", "prime money market")),
    # Target date
    *(
        _fund(
            symbol,
            f"Vanguard Target Retirement {year} Fund",
            MF,
            price,
            "0.0008",
            vanguard_target_retirement(TARGET_RETIREMENT_STOCKS[year]),
            _TR_NOTE.format(year=year, stocks=TARGET_RETIREMENT_STOCKS[year]),
        )
        for year, (symbol, price) in _TR_FUNDS.items()
    ),
    # Allocation funds
    _fund("AOR", "iShares Core 60/40 Balanced Allocation ETF", ETF, "63.00", "0.0015",
          ISHARES_60_40,
          _facts(ISHARES, "AOR", "S&P Target Risk Growth; looked through its iShares Core funds")),
    _fund("AOA", "iShares Core 80/20 Aggressive Allocation ETF", ETF, "85.00", "0.0015",
          ISHARES_80_20, _facts(ISHARES, "AOA", "S&P Target Risk Aggressive; looked through its "
                                "iShares Core funds")),
    _fund("VBIAX", "Vanguard Balanced Index Fund Admiral Shares", MF, "52.00", "0.0007",
          BALANCED_60_40, _facts(VANGUARD, "VBIAX", "60 % CRSP US Total Market, 40 % " + AGG_FA)),
    # Commodities
    _fund("GLD", "SPDR Gold Shares", "commodity", "380.00", "0.0040", GOLD,
          _facts(SPDR, "GLD", "physical gold")),
    _fund("SLV", "iShares Silver Trust", "commodity", "45.00", "0.0050", SILVER,
          _facts(ISHARES, "SLV", "physical silver")),
]
# fmt: on

# Approximate late-2026 closes for S&P 500 stocks the demo and the examples hold (their
# classification comes from the S&P 500 file).
SEED_STOCK_PRICES: dict[str, str] = {
    "AAPL": "270.00",
    "MSFT": "500.00",
    "NVDA": "180.00",
    "AMZN": "230.00",
    "GOOGL": "280.00",
    "BRK.B": "500.00",
    "JPM": "300.00",
    "JNJ": "190.00",
}

DEMO_USER_ID = "demo"

DEMO_USER: dict[str, Any] = {
    "id": DEMO_USER_ID,
    "display_name": "Jordan Rivera",
    "current_age": 42,
    "years_until_retirement": 23,
    "target_retirement_income": "85000",
    "annual_contribution": "24000",
    "asset_class_targets": {"equity": 70.0, "fixed_income": 20.0, "real_estate": 5.0, "cash": 5.0},
    "region_targets": {
        "north_america": 65.0,
        "europe": 15.0,
        "asia_pacific": 10.0,
        "emerging_markets": 10.0,
    },
}

# ARKK is deliberately left unclassified: a priced instrument with no breakdown, so every
# run shows how Alex reports a symbol it cannot look through instead of inventing one. The
# fund list knows it by name and type only, as here.
DEMO_UNCLASSIFIED: dict[str, Any] = {
    "symbol": "ARKK",
    "name": "ARK Innovation ETF",
    "instrument_type": "etf",
    "current_price": "70.00",
    "price_as_of": PRICE_AS_OF,
}

DEMO_ACCOUNTS: list[dict[str, Any]] = [
    {
        "account_name": "Acme Corp 401(k)",
        "account_type": "401k",
        "account_purpose": "Primary retirement savings through my employer, with a 4% match",
        "cash_balance": "2500.00",
        "cash_interest": "0.5",
        "positions": [("SPY", "180"), ("AGG", "220"), ("VEA", "400"), ("IWM", "60")],
    },
    {
        "account_name": "Roth IRA",
        "account_type": "roth_ira",
        "account_purpose": "Tax-free growth for the long run",
        "cash_balance": "1200.00",
        "cash_interest": "4.1",
        "positions": [("QQQ", "45"), ("VWO", "300"), ("VNQ", "80"), ("BND", "150")],
    },
    {
        "account_name": "Taxable brokerage",
        "account_type": "taxable",
        "account_purpose": "Flexible investing and a bridge before retirement accounts unlock",
        "cash_balance": "8400.50",
        "cash_interest": "3.8",
        "positions": [
            ("AAPL", "60"),
            ("MSFT", "25.5"),
            ("VIG", "40"),
            ("GLD", "20"),
            ("ARKK", "10.5"),
        ],
    },
]
