"""Each layout read from a realistic sample: holdings, cash, prices, cost basis and the file's
date exact; every bad line reported with its number."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from alex.imports import ColumnMapping, ParsedImport, parse_positions
from alex.imports.base import MAX_ROWS

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "brokers"
TODAY = date(2026, 12, 2)


def sample(name: str) -> str:
    # Fidelity writes a byte-order mark; the API decodes with utf-8-sig too.
    return (SAMPLES / name).read_text(encoding="utf-8-sig")


def parse(text: str, **kwargs: object) -> ParsedImport:
    return parse_positions(text, today=TODAY, **kwargs)  # type: ignore[arg-type]


def table(parsed: ParsedImport) -> list[tuple[int, str, str, str | None, str | None]]:
    """(line, symbol, quantity, price, cost basis) with exact digits."""
    return [
        (
            h.line,
            h.symbol,
            str(h.quantity),
            None if h.price is None else str(h.price),
            None if h.cost_basis is None else str(h.cost_basis),
        )
        for h in parsed.holdings
    ]


def errors(parsed: ParsedImport) -> list[tuple[int, str]]:
    return [(e.line, e.message) for e in parsed.errors]


# --------------------------------------------------------------------------- fidelity


def test_fidelity_sample() -> None:
    parsed = parse(sample("fidelity_positions.csv"))
    assert parsed.format == "fidelity"
    assert errors(parsed) == []
    assert table(parsed) == [
        (3, "VTI", "85.25", "310.42", "20450.75"),
        (4, "FXAIX", "42.118", "214.87", "7012.40"),
        # The cash and the margin lots of one holding are one position.
        (5, "AAPL", "35", "232.10", "5123.30"),
        (7, "BND", "60", "72.64", "4402.20"),
    ]
    assert parsed.holdings[0].description == "VANGUARD INDEX FDS VANGUARD TOTAL STK MKT ETF"
    # SPAXX** ($1,523.47) and Pending Activity (-$250.00).
    assert parsed.cash == Decimal("1273.47")
    assert parsed.cash_lines == [2, 8]
    assert (parsed.as_of, parsed.as_of_source) == (date(2026, 11, 28), "file")
    assert [(n.line, n.message) for n in parsed.ignored] == [
        (10, "notes below the holdings, from this line on")
    ]
    assert [(a.number, a.name) for a in parsed.source_accounts] == [
        ("X99990001", "Individual - TOD")
    ]


FIDELITY_HEADER = (
    "Account number,Account name,Symbol,Description,Quantity,Last price,Last price change,"
    "Current value,Today's gain/loss dollar,Today's gain/loss percent,Total gain/loss dollar,"
    "Total gain/loss percent,Percent of account,Cost basis total,Average cost basis,Type\n"
)


def test_fidelity_several_accounts_need_a_choice() -> None:
    text = (
        FIDELITY_HEADER
        + "X1111,Individual,SPAXX**,HELD IN MONEY MARKET,,,,$10000.00,,,,,50%,,,Cash,\n"
        + "X1111,Individual,VOO,VANGUARD S&P 500 ETF,4,$550.00,,$2200.00,,,,,,$2000.00,$500.00,"
        + "Cash,\n"
        + "Y2222,ROTH IRA,FCASH**,HELD IN FCASH,,,,$300.00,,,,,,,,Cash,\n"
        + "Y2222,ROTH IRA,FXAIX,FIDELITY 500 INDEX,10,$250.00,,$2500.00,,,,,,$2100.00,$210.00,"
        + "Cash,\n"
        + "Y2222,ROTH IRA,Pending activity,,,,,$75.50,,,,,,,,,\n"
        + "\n"
        + '"Date downloaded Nov-27-2026 at 4:36 p.m ET"\n'
    )
    both = parse(text)
    assert both.holdings == []
    assert errors(both) == [
        (1, "the file lists 2 accounts (X1111, Y2222): choose the one to import (source_account)")
    ]
    assert [a.name for a in both.source_accounts] == ["Individual", "ROTH IRA"]

    roth = parse(text, source_account="Y2222")
    assert errors(roth) == []
    assert table(roth) == [(5, "FXAIX", "10", "250.00", "2100.00")]
    assert (roth.cash, roth.cash_lines) == (Decimal("375.50"), [4, 6])
    assert roth.as_of == date(2026, 11, 27)

    missing = parse(text, source_account="Z9")
    assert errors(missing) == [(1, "source_account 'Z9' is not in the file (it has: X1111, Y2222)")]


def test_fidelity_bad_lines_are_reported_by_line() -> None:
    text = (
        FIDELITY_HEADER
        + "X1,Individual,AAPL,APPLE INC,10,$200.00,,$2000.00,,,,,,$1500.00,$150.00,Cash,\n"
        # A short call: negative quantity, and an option symbol.
        + "X1,Individual, -AAPL260918C250,AAPL SEP 18 2026 $250 CALL,-1,$5.00,,-$500.00,,,,,,"
        + "$400.00,$4.00,Margin,\n"
        # A 401(k) fund known only by its CUSIP.
        + "X1,Individual,31617E745,FID CONTRAFUND POOL CL 3,120.5,$30.10,,$3627.05,,,,,,--,--,"
        + "Cash,\n"
        + "X1,Individual,MSFT,MICROSOFT CORP,1O,$400.00,,$4000.00,,,,,,abc,--,Cash,\n"
        + "X1,Individual,NVDA,NVIDIA CORP,--,$180.00,,,,,,,,,,Cash,\n"
    )
    parsed = parse(text)
    assert table(parsed) == [(2, "AAPL", "10", "200.00", "1500.00")]
    lines = errors(parsed)
    assert [line for line, _ in lines] == [3, 4, 5, 6]
    assert "short position" in lines[0][1]
    assert lines[1][1].startswith("symbol: '31617E745' is not a valid ticker symbol")
    assert lines[2][1] == ("quantity: not a number ('1O'); cost_basis: not a number ('abc')")
    assert lines[3][1] == "quantity: missing"
    assert parsed.as_of_source == "today"


def test_fidelity_older_header_and_totals_line() -> None:
    text = (
        "Account Number,Account Name,Symbol,Description,Quantity,Last Price,Last Price Change,"
        "Current Value,Today's Gain/Loss Dollar,Today's Gain/Loss Percent,Total Gain/Loss Dollar,"
        "Total Gain/Loss Percent,Percent Of Account,Cost Basis,Cost Basis Per Share,Type\n"
        'Z1,BROKERAGE,VWO,VANGUARD FTSE EMR MKT ETF,900,$50.922,+$0.160,"$45,829.80",+$144.00,'
        '+0.32%,"+$11,945.20",+31.10%,99%,"$38,362.05",$42.62,Cash,\n'
        "Z1,BROKERAGE,SPAXX**,FIDELITY GOVERNMENT MONEY MARKET,500.00,$1.00,--,,--,--,--,--,1%,"
        "$500.00,$1.00,Cash,\n"
        "Z1,BROKERAGE,,Account Total,,,,$46329.80,,,,,,,,\n"
        "\n"
        '"Date downloaded 07/30/2026 2:26 PM ET"\n'
    )
    parsed = parse(text)
    assert errors(parsed) == []
    assert table(parsed) == [(2, "VWO", "900", "50.922", "38362.05")]
    # No Current Value on the older core line: its quantity at $1.00 is the cash.
    assert parsed.cash == Decimal("500.00")
    assert [(n.line, n.message) for n in parsed.ignored] == [
        (4, "no symbol or quantity: not a holding"),
        (6, "notes below the holdings, from this line on"),
    ]
    assert parsed.as_of == date(2026, 7, 30)


def test_fidelity_impossible_download_date() -> None:
    text = sample("fidelity_positions.csv").replace("Nov-28-2026", "Nov-31-2026")
    parsed = parse(text)
    assert errors(parsed) == [(15, "download date: 'Nov-31-2026' is not a valid date")]


def test_a_file_from_the_future_is_refused() -> None:
    text = sample("fidelity_positions.csv").replace("Nov-28-2026", "Dec-25-2026")
    parsed = parse(text)
    assert errors(parsed) == [(1, "the file is dated 2026-12-25, in the future")]


def test_negative_cash_is_refused() -> None:
    text = sample("fidelity_positions.csv").replace("-$250.00", "-$2000.00")
    parsed = parse(text)
    assert parsed.cash is None
    assert errors(parsed) == [
        (2, "cash: the cash lines sum to -476.53: Input should be greater than or equal to 0")
    ]


# --------------------------------------------------------------------------- schwab


def test_schwab_sample() -> None:
    parsed = parse(sample("schwab_positions.csv"))
    assert parsed.format == "schwab"
    assert errors(parsed) == []
    assert table(parsed) == [
        (4, "SCHB", "1250", "25.84", "24912.50"),
        (5, "SCHD", "410.5", "28.07", "10650.00"),
        (6, "VXUS", "120", "66.15", "7020.18"),
        # BRK/B is BRK.B; "Incomplete" cost basis is unknown, not zero.
        (7, "BRK.B", "12", "472.30", None),
        # A money-market fund bought on purpose stays a holding.
        (8, "SWVXX", "2500.12", "1.00", "2500.12"),
    ]
    assert (parsed.cash, parsed.cash_lines) == (Decimal("3105.66"), [9])
    assert (parsed.as_of, parsed.as_of_source) == (date(2026, 11, 28), "file")
    assert [(n.line, n.message) for n in parsed.ignored] == [
        (10, "Account Total (a total, not a holding)")
    ]
    assert [a.number for a in parsed.source_accounts] == ["Individual ...4821"]


SCHWAB_COLUMNS = (
    '"Symbol","Description","Quantity","Price","Price Change %","Price Change $","Market Value",'
    '"Day Change %","Day Change $","Cost Basis","Gain/Loss %","Gain/Loss $","Ratings",'
    '"Reinvest Dividends?","Capital Gains?","% Of Account","Security Type"\n'
)


def test_schwab_all_accounts_export() -> None:
    text = (
        '"Positions for CUSTACCS as of 09:13 PM ET, 11/27/2026","",""\n'
        '"","",""\n'
        '"Individual ...111","",""\n'
        + SCHWAB_COLUMNS
        + '"SCHX","SCHWAB US LARGE-CAP ETF","100","$24.00","1%","$0.24","$2,400.00","1%",'
        '"$24.00","$2,000.00","20%","$400.00","--","Yes","N/A","96%","ETFs & Closed End Funds"\n'
        '"Cash & Cash Investments","--","--","--","--","--","$100.00","0%","$0.00","--","--",'
        '"--","--","--","--","4%","Cash and Money Market"\n'
        '"Account Total","--","--","--","--","--","$2,500.00","","","","","","","","","",""\n'
        '"","",""\n'
        '"Roth IRA ...222","",""\n'
        + SCHWAB_COLUMNS
        + '"AAPL 01/15/2027 200.00 C","CALL APPLE INC $200 EXP 01/15/27","-2","$32.10","--",'
        '"--","-$6,420.00","--","--","$4,100.00","--","--","--","N/A","N/A","--","Option"\n'
        '"VTI","VANGUARD TOTAL STOCK MARKET ETF","10","$310.00","0%","$0.00","$3,100.00","0%",'
        '"$0.00","$2,500.00","24%","$600.00","--","No","N/A","100%","ETFs & Closed End Funds"\n'
        '"Cash & Cash Investments","--","--","--","--","--","$0.00","0%","$0.00","--","--",'
        '"--","--","--","--","0%","Cash and Money Market"\n'
        '"Account Total","--","--","--","--","--","$3,100.00","","","","","","","","","",""\n'
    )
    assert errors(parse(text))[0][1].startswith("the file lists 2 accounts")
    roth = parse(text, source_account="Roth IRA ...222")
    assert table(roth) == [(12, "VTI", "10", "310.00", "2500.00")]
    assert [line for line, _ in errors(roth)] == [11]
    assert "short position" in errors(roth)[0][1]
    assert (roth.cash, roth.as_of) == (Decimal("0.00"), date(2026, 11, 27))
    individual = parse(text, source_account="Individual ...111")
    assert table(individual) == [(5, "SCHX", "100", "24.00", "2000.00")]
    assert individual.cash == Decimal("100.00")


# --------------------------------------------------------------------------- vanguard


def test_vanguard_sample() -> None:
    parsed = parse(sample("vanguard_positions.csv"))
    assert parsed.format == "vanguard"
    assert errors(parsed) == []
    assert table(parsed) == [
        (3, "VTI", "40", "310.42", None),
        (4, "VXUS", "75.5", "66.15", None),
        (5, "VTSAX", "105.318", "145.87", None),
    ]
    # The settlement fund is the account's cash.
    assert (parsed.cash, parsed.cash_lines) == (Decimal("4210.35"), [2])
    # No date in the file: today, or the date the user gives.
    assert (parsed.as_of, parsed.as_of_source) == (TODAY, "today")
    dated = parse(sample("vanguard_positions.csv"), as_of=date(2026, 11, 30))
    assert (dated.as_of, dated.as_of_source) == (date(2026, 11, 30), "request")
    assert [(n.line, n.message) for n in parsed.ignored] == [
        (8, "transactions section, from this line on")
    ]


def test_vanguard_bond_without_symbol_is_an_error() -> None:
    text = (
        "Account Number,Investment Name,Symbol,Shares,Share Price,Total Value,\n"
        "1,U S TREASURY BILL CPN 0.00000 % MTD 2027-04-10,,5000,99.421,4971.05,\n"
        "1,VANGUARD TOTAL BOND MARKET ETF,BND,20,72.64,1452.80,\n"
        "2,VANGUARD TOTAL STOCK MARKET ETF,VTI,1,310.00,310.00,\n"
    )
    parsed = parse(text, source_account="1")
    assert table(parsed) == [(3, "BND", "20", "72.64", None)]
    assert errors(parsed) == [
        (
            2,
            "symbol: missing; Alex needs a ticker symbol (a bond or CD without one cannot be "
            "imported)",
        )
    ]
    assert parsed.cash is None


# --------------------------------------------------------------------------- simple


def test_simple_layout_with_price_in_any_order() -> None:
    parsed = parse("Quantity,Symbol,Price,Cost Basis\n3,vti,$300.10,900\n1.5,brk.b,,\n")
    assert parsed.format == "simple"
    assert table(parsed) == [(2, "VTI", "3", "300.10", "900"), (3, "BRK.B", "1.5", None, None)]
    assert parsed.cash is None


def test_simple_layout_rules() -> None:
    parsed = parse("symbol,quantity\nVTI,1\nVTI,2\nBND\nBND,0\nBND,1,2\n")
    assert errors(parsed) == [
        (3, "VTI already appears on line 2"),
        (4, "expected 2 values, found 1"),
        (5, "quantity: Input should be greater than 0"),
        (6, "expected 2 values, found 3"),
    ]


def test_a_multiline_quoted_field_keeps_line_numbers() -> None:
    parsed = parse('symbol,quantity\n"VTI",1\n"B\nND",2\nAGG,x\n')
    assert [line for line, _ in errors(parsed)] == [3, 5]


# --------------------------------------------------------------------------- mapping


def test_unrecognised_file_offers_its_columns() -> None:
    parsed = parse(sample("other_broker.csv"))
    assert parsed.format is None
    assert parsed.needs_mapping
    # The title line above the header is skipped when guessing the header.
    assert parsed.columns == ["Ticker", "Name", "Shares Held", "Last", "Market Value", "Total Cost"]
    assert parsed.errors[0].line == 2
    assert "missing column(s): symbol, quantity" in parsed.errors[0].message
    assert parsed.holdings == []


def test_mapped_columns() -> None:
    mapping = ColumnMapping(
        symbol="ticker", quantity="SHARES  HELD", price="Last", cost_basis="Total Cost"
    )
    parsed = parse(sample("other_broker.csv"), mapping=mapping)
    assert parsed.format == "mapped"
    assert errors(parsed) == []
    assert table(parsed) == [
        (3, "VOO", "10", "550.12", "4100.00"),
        (4, "IWM", "8.5", "221.40", None),
    ]
    assert [(n.line, n.message) for n in parsed.ignored] == [
        (5, "no quantity: not read as a holding"),
        (6, "no quantity: not read as a holding"),
    ]
    assert parsed.cash is None


def test_mapped_columns_must_exist_once() -> None:
    missing = parse(sample("other_broker.csv"), mapping=ColumnMapping("Symbol", "Qty"))
    assert missing.needs_mapping
    assert errors(missing) == [
        (1, "no line has both the columns 'Symbol' (symbol) and 'Qty' (quantity)")
    ]
    twice = parse("Ticker,Qty,Qty\nVTI,1,2\n", mapping=ColumnMapping("Ticker", "Qty", price="Bid"))
    assert errors(twice) == [
        (1, "quantity column 'Qty' appears 2 times"),
        (1, "price column 'Bid' is not in the header"),
    ]


# --------------------------------------------------------------------------- whole files


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("\n\n", "the file is empty"),
        ('symbol,quantity\n"' + "A" * 200_000 + '",1\n', "unreadable CSV"),
    ],
)
def test_unusable_files(text: str, message: str) -> None:
    parsed = parse(text)
    assert parsed.holdings == []
    assert message in parsed.errors[0].message


def test_row_limit() -> None:
    text = "symbol,quantity\n" + "".join(f"S{i},1\n" for i in range(MAX_ROWS + 1))
    parsed = parse(text)
    assert parsed.holdings == []
    assert errors(parsed) == [(MAX_ROWS + 2, f"more than {MAX_ROWS} rows")]


def test_old_mac_line_endings() -> None:
    parsed = parse("symbol,quantity\rVTI,1\rBND,2\r")
    assert table(parsed) == [(2, "VTI", "1", None, None), (3, "BND", "2", None, None)]


def test_merged_lots_must_still_fit() -> None:
    big = "9" * 12
    text = (
        FIDELITY_HEADER
        + f"X1,Individual,VTI,VTI,{big},$1.00,,,,,,,,$1.00,,Cash,\n"
        + f"X1,Individual,VTI,VTI,{big},$1.00,,,,,,,,$1.00,,Margin,\n"
    )
    parsed = parse(text)
    assert table(parsed) == [(2, "VTI", big, "1.00", "1.00")]
    assert [line for line, _ in errors(parsed)] == [3]
    assert errors(parsed)[0][1].startswith("with line 2: quantity:")


def test_simple_layout_under_a_title_line() -> None:
    parsed = parse("My Roth IRA\nsymbol,quantity\nVTI,2\n")
    assert parsed.format == "simple"
    assert table(parsed) == [(3, "VTI", "2", None, None)]
    assert [(n.line, n.message) for n in parsed.ignored] == [(1, "above the header")]


def test_fidelity_blank_line_between_holdings_drops_nothing() -> None:
    """A blank line inside the holdings (an edited file, another export version) must not turn
    the rest of the file into ignored notes: every holding and cash line after it still counts."""
    lines = sample("fidelity_positions.csv").splitlines(keepends=True)
    lines.insert(3, "\n")  # after SPAXX** and VTI
    parsed = parse("".join(lines))
    assert errors(parsed) == []
    assert [h.symbol for h in parsed.holdings] == ["VTI", "FXAIX", "AAPL", "BND"]
    assert parsed.cash == Decimal("1273.47")
    assert [(n.line, n.message) for n in parsed.ignored] == [
        (11, "notes below the holdings, from this line on")
    ]
