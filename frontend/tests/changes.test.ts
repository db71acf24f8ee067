import { describe, expect, it } from "vitest";
import {
  changesView,
  figureRows,
  positionSentence,
  priceSentence,
  signedMoney,
  type Comparison,
  type JobChanges,
} from "@/lib/changes";
import { dateTime } from "@/lib/format";
// What the API sends for the demo after a month of changes (tests/api/test_changes.py keeps it
// current): 10 more SPY, VNQ sold, 20 VEA bought and $1,000 more cash in the brokerage, GLD up
// from $200 to $210; saving $15,000 a year, retiring at 67, aiming for 70 % equity.
import recorded from "./fixtures/changes.json";

const changes = recorded as unknown as JobChanges;
const comparison = changes.comparison!;
const WHEN = dateTime(changes.previous_completed_at);

function withComparison(over: Partial<Comparison>): JobChanges {
  return { ...changes, comparison: { ...comparison, ...over } };
}

describe("changesView", () => {
  it("says what moved and why, one sentence each, with the server's figures", () => {
    const view = changesView(changes)!;
    expect(view.intro).toBe(`Compared with your previous analysis, of ${WHEN}.`);
    expect(view.reasons).toEqual([
      "Of the +$3,500 change in value: new positions +$1,000, positions removed \u2212$3,600, quantity changes +$5,000, price moves +$100, cash +$1,000.",
      "You hold 10 more SPY in Work 401k (130 now): +$5,000 at the earlier price.",
      "You no longer hold VNQ in Roth IRA (40 before, \u2212$3,600).",
      "You added 20 VEA to Brokerage (+$1,000).",
      "GLD's price rose 5.0%, from $200.00 to $210.00: +$100 on what you hold.",
      "Cash in Brokerage went from $8,401 to $9,401 (+$1,000).",
      "You now plan to retire at 67 (was 65).",
      "You now save $15,000 a year (was $12,000).",
      "Your target for Equity went from 60% to 70% (+10.0 pts).",
      "Your target for Fixed income went from 30% to 20% (\u221210.0 pts).",
    ]);
    expect(view.note).toBeNull();
  });

  it("shows value, odds, income and drift before and after, green only when better", () => {
    const rows = Object.fromEntries(
      figureRows(comparison).map((r) => [r.key, [r.before, r.after, r.change, r.tone]]),
    );
    expect(rows.total).toEqual(["$131,436", "$134,936", "+$3,500", "good"]);
    expect(rows.success).toEqual(["61.2%", "66.0%", "+4.8 pts", "good"]);
    expect(rows.income).toEqual(["$41,200", "$45,871", "+$4,671", "good"]);
    // A smaller largest drift is better although the change is negative.
    expect(rows.drift).toEqual(["20.8 pts", "14.8 pts", "\u22126.0 pts", "good"]);
    expect(rows["share-equity"]).toEqual(["77.0%", "79.4%", "+2.5 pts", "neutral"]);
    expect(rows["drift-equity"]).toEqual(["+17.0 pts", "+9.4 pts", "\u22127.5 pts", "good"]);
    // Shares and drifts whose change does not show at one decimal are left out.
    expect(rows["share-commodities"]).toBeUndefined();
    expect(rows["drift-commodities"]).toBeUndefined();
  });

  it("says so when this is the first analysis", () => {
    const view = changesView({
      ...changes,
      status: "first_analysis",
      previous_job_id: null,
      previous_completed_at: null,
      comparison: null,
    })!;
    expect(view.intro).toMatch(/^This is your first analysis/);
    expect(view.figures).toEqual([]);
    expect(view.reasons).toEqual([]);
    expect(changesView({ ...changes, status: "not_completed", comparison: null })).toBeNull();
  });

  it("compares an older analysis on its figures and says the reasons are unavailable", () => {
    const view = changesView(
      withComparison({
        reasons_available: false,
        attribution: null,
        positions: [],
        prices: [],
        cash: [],
        targets: [],
        drift: [],
      }),
    )!;
    expect(view.figures.map((f) => f.key)).toContain("total");
    expect(view.reasons).toEqual([
      "You now plan to retire at 67 (was 65).",
      "You now save $15,000 a year (was $12,000).",
    ]);
    expect(view.note).toBe(
      `Your analysis of ${WHEN} was made before Alex kept what each analysis is computed from, so the reasons for these moves are not available beyond the profile changes above.`,
    );
  });

  it("says nothing changed when nothing did", () => {
    const zero = "0.00";
    const view = changesView(
      withComparison({
        value: { before: "100.00", after: "100.00", change: zero },
        attribution: {
          new_positions: zero,
          removed_positions: zero,
          quantity_changes: zero,
          price_changes: zero,
          cash: zero,
        },
        positions: [],
        prices: [],
        cash: [],
        profile: [],
        targets: [],
      }),
    )!;
    expect(view.intro).toBe(
      `Nothing changed since your analysis of ${WHEN}: the same holdings, prices, cash and profile.`,
    );
    expect(view.reasons).toEqual([]);
  });
});

describe("sentences", () => {
  const spy = comparison.positions[0];

  it("names positions without a price instead of valuing them", () => {
    const unpriced = { ...spy, symbol: "NOPX", price: null, value_change: "0.00" };
    expect(positionSentence({ ...unpriced, change: "added", quantity_before: null })).toBe(
      "You added 130 NOPX to Work 401k; it has no price, so it is not in the total.",
    );
    expect(positionSentence({ ...unpriced, change: "removed", quantity_after: null })).toBe(
      "You no longer hold NOPX in Work 401k (120 before, without a price).",
    );
    expect(
      positionSentence({
        ...spy,
        quantity_after: "100",
        quantity_change: "-20",
        value_change: "-10000.00",
      }),
    ).toBe("You hold 20 fewer SPY in Work 401k (100 now): \u2212$10,000 at the earlier price.");
  });

  it("says a price that fell, appeared or went away", () => {
    const gld = comparison.prices[0];
    expect(
      priceSentence({ ...gld, price_after: "190", change_pct: -5, value_change: "-100.00" }),
    ).toBe("GLD's price fell 5.0%, from $200.00 to $190.00: \u2212$100 on what you hold.");
    expect(priceSentence({ ...gld, price_before: null, change_pct: null })).toBe(
      "GLD now has a price ($210.00), so it counts in the total: +$100.",
    );
    expect(
      priceSentence({ ...gld, price_after: null, change_pct: null, value_change: "-2000.00" }),
    ).toBe("GLD no longer has a price, so it is left out of the total: \u2212$2,000.");
  });

  it("signs money changes as shown", () => {
    expect(signedMoney("3500.00")).toBe("+$3,500");
    expect(signedMoney("-0.40")).toBe("$0");
    expect(signedMoney("-3600.00")).toBe("\u2212$3,600");
  });
});
