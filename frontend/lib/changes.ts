// "What changed": the Analysis page's comparison with the previous analysis, in figures and
// plain sentences. Every number is the server's (GET /api/jobs/{id}/changes, computed by
// src/alex/finance/changes.py); this file only chooses the words and formats the figures.
import type { components } from "./api-types";
import { dateTime, label, money, num, pct, pts, quantity, rounded } from "./format";

type S = components["schemas"];
export type JobChanges = S["JobChanges"];
export type Comparison = S["AnalysisComparison"];
type FigureChange = S["FigureChange"];
type PositionChange = S["PositionChange"];
type PriceChange = S["PriceChange"];
type CashChange = S["CashChange"];
type ProfileChange = S["ProfileChange"];
type TargetChange = S["TargetChange"];

export type Tone = "good" | "bad" | "neutral";

export interface FigureRow {
  key: string;
  name: string;
  before: string;
  after: string;
  change: string;
  tone: Tone;
}

export interface ChangesView {
  /** The sentence at the top: what this analysis is compared with, or why it is not. */
  intro: string;
  figures: FigureRow[];
  /** What moved and why, one plain sentence each. */
  reasons: string[];
  /** Said when the earlier analysis did not keep what it was computed from. */
  note: string | null;
}

/** A change in dollars as shown (whole dollars): "+$1,000", "−$3,600", "$0". */
export function signedMoney(v: string | number | null | undefined): string {
  const shown = rounded(v, 0);
  if (shown === null) return money(v);
  return `${shown > 0 ? "+" : ""}${money(v)}`;
}

/** The tone of a change as shown, for a figure where more (or, with `lowerIsBetter`, less)
 *  is better; a change that rounds to nothing is neutral. */
function toneOf(change: number | string | null, digits: number, lowerIsBetter = false): Tone {
  const shown = rounded(change, digits);
  if (!shown) return "neutral";
  return shown > 0 !== lowerIsBetter ? "good" : "bad";
}

function isZero(v: string | number | null, digits: number): boolean {
  return (rounded(v, digits) ?? 0) === 0;
}

/** The figures every analysis stored, before and after; shares and drift only where the
 *  change shows at one decimal. */
export function figureRows(c: Comparison): FigureRow[] {
  const rows: FigureRow[] = [
    {
      key: "total",
      name: "Total value",
      before: money(c.value.before),
      after: money(c.value.after),
      change: signedMoney(c.value.change),
      tone: toneOf(c.value.change, 0),
    },
  ];
  const points = (key: string, name: string, f: FigureChange, lowerIsBetter = false) => {
    if (f.before === null || f.after === null) return;
    rows.push({
      key,
      name,
      before: key === "drift" ? pts(f.before, 1, { signed: false }) : pct(f.before),
      after: key === "drift" ? pts(f.after, 1, { signed: false }) : pct(f.after),
      change: pts(f.change),
      tone: toneOf(f.change, 1, lowerIsBetter),
    });
  };
  points("success", "Chance your plan lasts", c.success);
  const income = c.sustainable_income;
  if (income.before !== null && income.after !== null)
    rows.push({
      key: "income",
      name: "Sustainable income",
      before: money(income.before),
      after: money(income.after),
      change: signedMoney(income.change),
      tone: toneOf(income.change, 0),
    });
  // The largest drift is a size: smaller is better whichever way it points.
  points("drift", "Largest drift from target", c.max_drift, true);
  for (const s of c.asset_class) {
    if (isZero(s.change_pp, 1)) continue;
    rows.push({
      key: `share-${s.key}`,
      name: `${label(s.key)} share`,
      before: pct(s.before_pct),
      after: pct(s.after_pct),
      change: pts(s.change_pp),
      tone: "neutral",
    });
  }
  for (const d of c.drift) {
    if (isZero(d.change_pp, 1)) continue;
    rows.push({
      key: `drift-${d.key}`,
      name: `${label(d.key)} drift from target`,
      before: pts(d.before_pp),
      after: pts(d.after_pp),
      change: pts(d.change_pp),
      // Closer to its target is better.
      tone: toneOf(Math.abs(d.after_pp) - Math.abs(d.before_pp), 1, true),
    });
  }
  return rows;
}

const PARTS: [keyof S["ValueAttribution"], string][] = [
  ["new_positions", "new positions"],
  ["removed_positions", "positions removed"],
  ["quantity_changes", "quantity changes"],
  ["price_changes", "price moves"],
  ["cash", "cash"],
];

/** "Of the +$3,500: new positions +$1,000, positions removed −$3,600, …" (parts that show). */
export function valueSentence(c: Comparison): string | null {
  const a = c.attribution;
  if (!a) return null;
  const parts = PARTS.filter(([key]) => !isZero(a[key], 0)).map(
    ([key, name]) => `${name} ${signedMoney(a[key])}`,
  );
  if (!parts.length)
    return isZero(c.value.change, 0) ? "The value of your portfolio did not change." : null;
  return `Of the ${signedMoney(c.value.change)} change in value: ${parts.join(", ")}.`;
}

/** A position added, removed or resized, with what it did to the value. */
export function positionSentence(p: PositionChange): string {
  const where = p.account_name;
  const effect = signedMoney(p.value_change);
  const unpriced = p.price === null;
  if (p.change === "added")
    return unpriced
      ? `You added ${quantity(p.quantity_after)} ${p.symbol} to ${where}; it has no price, so it is not in the total.`
      : `You added ${quantity(p.quantity_after)} ${p.symbol} to ${where} (${effect}).`;
  if (p.change === "removed")
    return unpriced
      ? `You no longer hold ${p.symbol} in ${where} (${quantity(p.quantity_before)} before, without a price).`
      : `You no longer hold ${p.symbol} in ${where} (${quantity(p.quantity_before)} before, ${effect}).`;
  const more = (num(p.quantity_change) ?? 0) > 0;
  const size = `${quantity(Math.abs(num(p.quantity_change) ?? 0))} ${more ? "more" : "fewer"}`;
  const held = `You hold ${size} ${p.symbol} in ${where} (${quantity(p.quantity_after)} now)`;
  return unpriced
    ? `${held}; it had no price, so the change is not in the total.`
    : `${held}: ${effect} at the earlier price.`;
}

/** A price that moved for something held in both analyses. */
export function priceSentence(p: PriceChange): string {
  const effect = signedMoney(p.value_change);
  const before = money(p.price_before, { cents: true });
  const after = money(p.price_after, { cents: true });
  if (p.price_before === null)
    return `${p.symbol} now has a price (${after}), so it counts in the total: ${effect}.`;
  if (p.price_after === null)
    return `${p.symbol} no longer has a price, so it is left out of the total: ${effect}.`;
  const up = (num(p.change_pct) ?? 0) >= 0;
  const move = p.change_pct === null ? "" : ` ${pct(Math.abs(p.change_pct))}`;
  return `${p.symbol}'s price ${up ? "rose" : "fell"}${move}, from ${before} to ${after}: ${effect} on what you hold.`;
}

export function cashSentence(c: CashChange): string {
  if (c.before === null)
    return `The new account ${c.account_name} holds ${money(c.after)} in cash (${signedMoney(c.change)}).`;
  if (c.after === null)
    return `The account ${c.account_name} is gone, with its ${money(c.before)} in cash (${signedMoney(c.change)}).`;
  return `Cash in ${c.account_name} went from ${money(c.before)} to ${money(c.after)} (${signedMoney(c.change)}).`;
}

export function profileSentence(p: ProfileChange): string {
  switch (p.field) {
    case "retirement_age":
      return `You now plan to retire at ${p.after} (was ${p.before}).`;
    case "annual_contribution":
      return `You now save ${money(p.after)} a year (was ${money(p.before)}).`;
    case "target_retirement_income":
      return `Your retirement income target is now ${money(p.after)} a year (was ${money(p.before)}).`;
    case "current_age":
      return `Your age is now ${p.after} (was ${p.before}).`;
  }
}

export function targetSentence(t: TargetChange): string {
  return `Your target for ${label(t.key)} went from ${pct(t.before_pct, 0)} to ${pct(t.after_pct, 0)} (${pts(t.change_pp)}).`;
}

/** Everything the card says, from the API's answer. Null when there is nothing to say (an
 *  analysis that has not completed). */
export function changesView(changes: JobChanges): ChangesView | null {
  const when = dateTime(changes.previous_completed_at);
  switch (changes.status) {
    case "not_completed":
      return null;
    case "first_analysis":
      return {
        intro:
          "This is your first analysis, so there is nothing earlier to compare it with. Your next one will say what changed.",
        figures: [],
        reasons: [],
        note: null,
      };
    case "no_figures":
      return {
        intro: `Your previous analysis, of ${when}, recorded no figures to compare with.`,
        figures: [],
        reasons: [],
        note: null,
      };
  }
  const c = changes.comparison;
  if (!c) return null;
  const reasons = [
    valueSentence(c),
    ...c.positions.map(positionSentence),
    ...c.prices.map(priceSentence),
    ...c.cash.map(cashSentence),
    ...c.profile.map(profileSentence),
    ...c.targets.map(targetSentence),
  ].filter((s): s is string => s !== null);
  const nothing =
    c.reasons_available &&
    isZero(c.value.change, 2) &&
    !c.positions.length &&
    !c.prices.length &&
    !c.cash.length &&
    !c.profile.length &&
    !c.targets.length;
  return {
    intro: nothing
      ? `Nothing changed since your analysis of ${when}: the same holdings, prices, cash and profile.`
      : `Compared with your previous analysis, of ${when}.`,
    figures: nothing ? [] : figureRows(c),
    reasons: nothing ? [] : reasons,
    note: c.reasons_available
      ? null
      : `Your analysis of ${when} was made before Alex kept what each analysis is computed from, so the reasons for these moves are not available${c.profile.length ? " beyond the profile changes above" : ""}.`,
  };
}
