// What the Analysis page says about its own figures: the grounding claim and the what-if
// deltas against the current plan.
import { money, pts, rounded } from "./format";
import { groundingStatus, type GroundingSummary } from "./payloads";

export type Tone = "good" | "bad" | "neutral";

export interface GroundingClaim {
  tone: Tone;
  text: string;
}

/** The sentence under the report. "Every figure comes from Alex's calculations" is said only
 *  when the grounding check ran and matched every figure it checked. */
export function groundingClaim(g: GroundingSummary | null | undefined): GroundingClaim {
  const status = groundingStatus(g);
  if (g && status === "ok") {
    if (g.checked === 0)
      return {
        tone: "neutral",
        text: "The grounding check found no figures in this report to compare.",
      };
    return {
      tone: "good",
      text: `Every figure in this report comes from Alex's calculations on your data: the grounding check matched all ${g.checked}.`,
    };
  }
  if (g && status === "issues") {
    const n = g.unmatched.length;
    const which = n === 1 ? "1 figure" : n > 1 ? `${n} figures` : "Some figures";
    return {
      tone: "bad",
      text: `${which} in this report could not be matched to Alex's calculations.`,
    };
  }
  return {
    tone: "neutral",
    text: "This analysis has no grounding check, so its figures were not confirmed against Alex's calculations.",
  };
}

export interface Delta {
  text: string;
  tone: Tone;
}

/** A scenario's change from the current plan, for a figure where more is better: success odds
 *  in percentage points ("+9.0 pts", the report's own figure), sustainable income in dollars.
 *  Judged on the change as shown, so one that rounds to zero is neither green nor red. */
export function scenarioDelta(change: number | null, kind: "points" | "money"): Delta | null {
  if (change === null || !Number.isFinite(change)) return null;
  const shown = rounded(change, kind === "points" ? 1 : 0) ?? 0;
  const tone: Tone = shown > 0 ? "good" : shown < 0 ? "bad" : "neutral";
  const text = kind === "points" ? pts(change) : `${shown > 0 ? "+" : ""}${money(change)}`;
  return { text, tone };
}

/** The change of a scenario's figure from the base case's, free of float noise (to the cent). */
export function difference(value: number | null, base: number | null): number | null {
  if (value === null || base === null) return null;
  return rounded(value - base, 2);
}
