import { describe, expect, it } from "vitest";
import { canCommit, guessColumns, importQuery, linesLabel, NO_CHOICES } from "@/lib/importCsv";
import type { ImportResult } from "@/lib/types";

const preview = (over: Partial<ImportResult>): ImportResult => ({
  format: "fidelity",
  as_of: "2026-11-28",
  as_of_source: "file",
  rows: [],
  errors: [],
  needs_mapping: false,
  committed: false,
  ...over,
});

describe("import choices", () => {
  it("sends only what the user chose", () => {
    expect(importQuery(NO_CHOICES, false)).toEqual({
      commit: false,
      source_account: undefined,
      as_of: undefined,
    });
    const q = importQuery(
      {
        columns: { symbol: "Ticker", quantity: "Shares Held", price: "", costBasis: "Total Cost" },
        sourceAccount: "X99990002",
        asOf: "2026-11-27",
      },
      true,
    );
    expect(q).toEqual({
      commit: true,
      symbol_column: "Ticker",
      quantity_column: "Shares Held",
      price_column: undefined,
      cost_basis_column: "Total Cost",
      source_account: "X99990002",
      as_of: "2026-11-27",
    });
  });
  it("leaves an incomplete mapping out", () => {
    const q = importQuery(
      { ...NO_CHOICES, columns: { symbol: "Ticker", quantity: "", price: "Last", costBasis: "" } },
      false,
    );
    expect(q.symbol_column).toBeUndefined();
    expect(q.price_column).toBeUndefined();
  });
  it("guesses columns from common header names, each once", () => {
    expect(
      guessColumns(["Ticker", "Name", "Shares Held", "Last", "Market Value", "Total Cost"]),
    ).toEqual({
      symbol: "Ticker",
      quantity: "Shares Held",
      price: "Last",
      costBasis: "Total Cost",
    });
    expect(guessColumns(["Code", "Amount"])).toEqual({
      symbol: "",
      quantity: "",
      price: "",
      costBasis: "",
    });
    // "Cost Price" is the cost basis guess, so price does not take it again.
    expect(guessColumns(["Symbol", "Qty", "Cost Price"])).toEqual({
      symbol: "Symbol",
      quantity: "Qty",
      price: "",
      costBasis: "Cost Price",
    });
  });
  it("names lines", () => {
    expect(linesLabel([])).toBe("");
    expect(linesLabel([2])).toBe("line 2");
    expect(linesLabel([2, 8])).toBe("lines 2 and 8");
    expect(linesLabel([2, 5, 8])).toBe("lines 2, 5 and 8");
  });
  it("commits only a clean preview with something to write", () => {
    expect(canCommit(null)).toBe(false);
    expect(canCommit(preview({}))).toBe(false);
    expect(canCommit(preview({ cash_balance: "10.00" }))).toBe(true);
    const row = {
      line: 2,
      symbol: "VTI",
      quantity: "1",
      cost_basis: null,
      action: "add" as const,
      known_instrument: true,
    };
    expect(canCommit(preview({ rows: [row] }))).toBe(true);
    expect(
      canCommit(preview({ rows: [row], errors: [{ line: 3, message: "quantity: missing" }] })),
    ).toBe(false);
  });
});
