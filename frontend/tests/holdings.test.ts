import { describe, expect, it } from "vitest";
import {
  ageDays,
  describePrice,
  hasBreakdown,
  healthCount,
  healthOf,
  instrumentKind,
  isOwnPrice,
  leftOut,
  lookup,
  plural,
  priceSourceLabel,
  shortDate,
  splitStatement,
  todayIso,
} from "@/lib/holdings";
import type { AccountDetail, Instrument, Position, StalePrice } from "@/lib/types";

function instrument(symbol: string, over: Partial<Instrument> = {}): Instrument {
  return {
    symbol,
    name: `${symbol} Fund`,
    instrument_type: "etf",
    current_price: "10.00",
    price_as_of: "2026-11-20",
    allocation_asset_class: { equity: 100 },
    allocation_regions: { north_america: 100 },
    allocation_sectors: { technology: 100 },
    classification_source: "seed",
    expense_ratio: null,
    origin: "curated",
    ...over,
  };
}

function position(symbol: string, over: Partial<Position> = {}): Position {
  return {
    id: `p-${symbol}-${Math.random()}`,
    account_id: "a1",
    symbol,
    quantity: "1",
    cost_basis: null,
    as_of_date: "2026-11-20",
    created_at: "2026-11-20T00:00:00Z",
    updated_at: "2026-11-20T00:00:00Z",
    instrument_name: `${symbol} name`,
    instrument_type: "etf",
    price: "10.00",
    price_as_of: "2026-12-01",
    price_source: "seed",
    price_stale: false,
    price_note: null,
    value: "10.00",
    weight_pct: 10,
    classified: true,
    classification_source: "seed",
    ...over,
  };
}

function account(id: string, name: string, positions: Position[]): AccountDetail {
  return {
    id,
    user_id: "u",
    account_name: name,
    account_type: "taxable",
    account_purpose: "",
    cash_balance: "0",
    cash_interest: "0",
    created_at: "2026-11-20T00:00:00Z",
    updated_at: "2026-11-20T00:00:00Z",
    positions_count: positions.length,
    positions_value: "0",
    total_value: "0",
    unpriced_positions: 0,
    stale_positions: 0,
    unclassified_positions: 0,
    positions,
  } as AccountDetail;
}

describe("dates", () => {
  it("reads API dates without a time-zone shift", () => {
    expect(shortDate("2026-11-28", "2026-12-02")).toBe("28 Nov");
    expect(shortDate("2025-01-05", "2026-12-02")).toBe("5 Jan 2025");
    expect(shortDate(null)).toBe("—");
    expect(shortDate("not a date")).toBe("—");
  });
  it("counts whole days, across a year end", () => {
    expect(ageDays("2026-11-20", "2026-12-02")).toBe(12);
    expect(ageDays("2025-12-31", "2026-01-01")).toBe(1);
    expect(ageDays("2026-12-03", "2026-12-02")).toBe(-1);
    expect(ageDays(null, "2026-12-02")).toBeNull();
  });
  it("writes today in the user's calendar", () => {
    expect(todayIso(new Date(2026, 0, 9, 23, 59))).toBe("2026-01-09");
  });
});

describe("prices", () => {
  it("names where a price comes from", () => {
    expect(priceSourceLabel("user")).toBe("your price");
    expect(priceSourceLabel("import:fidelity")).toBe("your Fidelity file");
    expect(priceSourceLabel("import:mapped")).toBe("your CSV import");
    expect(priceSourceLabel("polygon")).toBe("Polygon");
    expect(priceSourceLabel("seed")).toBe("seed");
    expect(priceSourceLabel(null)).toBeNull();
    expect(isOwnPrice("user")).toBe(true);
    expect(isOwnPrice("import:schwab")).toBe(true);
    expect(isOwnPrice("tiingo")).toBe(false);
    expect(isOwnPrice(null)).toBe(false);
  });
  it("describes a price with its date, source and staleness", () => {
    const today = "2026-12-02";
    expect(
      describePrice(
        { price: "12", price_as_of: "2026-11-28", price_source: "user", price_stale: false },
        today,
      ),
    ).toBe("your price, 28 Nov");
    expect(
      describePrice(
        { price: "335", price_as_of: "2026-11-20", price_source: "seed", price_stale: true },
        today,
      ),
    ).toBe("seed, 20 Nov — stale");
    expect(
      describePrice(
        { price: "335", price_as_of: "2026-11-20", price_source: null, price_stale: false },
        today,
      ),
    ).toBe("20 Nov");
    expect(
      describePrice(
        { price: null, price_as_of: null, price_source: null, price_stale: false },
        today,
      ),
    ).toBe("no price");
  });
});

describe("instruments", () => {
  it("names the type and says whether there is a breakdown", () => {
    expect(instrumentKind("mutual_fund")).toBe("Mutual fund");
    expect(instrumentKind("etf")).toBe("ETF");
    expect(instrumentKind(null)).toBeNull();
    expect(hasBreakdown(instrument("VTI"))).toBe(true);
    expect(hasBreakdown(instrument("X", { allocation_sectors: null }))).toBe(false);
    expect(hasBreakdown(instrument("X", { allocation_regions: {} }))).toBe(false);
  });
  it("knows a typed symbol only from the results of the search for it", () => {
    const vti = instrument("VTI");
    expect(lookup("", null, [])).toEqual({ state: "empty" });
    expect(lookup("vti", "VT", [instrument("VT")])).toEqual({ state: "searching" });
    expect(lookup("vti", "VTI", [vti, instrument("VTIAX")])).toEqual({
      state: "known",
      instrument: vti,
    });
    expect(lookup(" zzqx ", "ZZQX", [instrument("ZZQXA")])).toEqual({
      state: "unknown",
      symbol: "ZZQX",
    });
  });
});

describe("totals", () => {
  it("says what a total leaves out", () => {
    expect(leftOut({ unpriced: 2, stale: 1 })).toEqual(["2 holdings not valued", "1 stale price"]);
    expect(leftOut({ unpriced: 1, stale: 0, unclassified: 3 })).toEqual([
      "1 holding not valued",
      "3 holdings unclassified",
    ]);
    expect(leftOut({ unpriced: 0, stale: 0, unclassified: 0 })).toEqual([]);
    expect(plural(2, "stale price")).toBe("2 stale prices");
  });
  it("splits the coverage statement at its 'not valued' part", () => {
    expect(splitStatement("85.2% of valued holdings classified; 1 holding not valued")).toEqual({
      classified: "85.2% of valued holdings classified",
      notValued: "1 holding not valued",
    });
    expect(splitStatement("100% of valued holdings classified")).toEqual({
      classified: "100% of valued holdings classified",
      notValued: null,
    });
  });
});

describe("data health", () => {
  it("lists each symbol once per problem, with every account holding it", () => {
    const accounts = [
      account("a1", "401(k)", [
        position("VTI"),
        position("ZZQX", {
          price: null,
          price_as_of: null,
          price_source: null,
          value: null,
          classified: false,
          classification_source: null,
        }),
        position("BND", {
          price_stale: true,
          price_as_of: "2026-11-20",
          price_note: "12 days old (older than 7)",
        }),
      ]),
      account("a2", "Roth IRA", [
        position("ZZQX", {
          price: null,
          price_as_of: null,
          price_source: null,
          value: null,
          classified: false,
        }),
        position("FXAIX", { price_stale: true }),
      ]),
    ];
    const stale: StalePrice[] = [
      {
        symbol: "FXAIX",
        price: 236,
        as_of: "2026-11-30",
        age_days: 2,
        source: "polygon",
        reason: "refresh_failed",
        detail: "the last refresh failed (HTTP 500)",
      },
    ];
    const h = healthOf(accounts, stale);
    expect(h.unpriced.map((i) => i.symbol)).toEqual(["ZZQX"]);
    expect(h.unpriced[0].accounts).toEqual([
      { id: "a1", name: "401(k)" },
      { id: "a2", name: "Roth IRA" },
    ]);
    expect(h.unclassified.map((i) => i.symbol)).toEqual(["ZZQX"]);
    expect(h.stale.map((i) => [i.symbol, i.reason, i.detail])).toEqual([
      ["BND", "old", "12 days old (older than 7)"],
      ["FXAIX", "refresh_failed", "the last refresh failed (HTTP 500)"],
    ]);
    expect(healthCount(h)).toBe(4);
  });
  it("is empty when every holding is priced, fresh and classified", () => {
    const h = healthOf([account("a1", "IRA", [position("VTI"), position("BND")])]);
    expect(healthCount(h)).toBe(0);
  });
});
