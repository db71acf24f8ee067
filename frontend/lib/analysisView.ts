// What the Analysis page says about its own figures: the grounding claim and the what-if
// deltas against the current plan.
import type { DataQuality } from "./payloads";

export type Tone = "good" | "bad" | "neutral";

export interface GroundingClaim {
  tone: Tone;
  text: string;
}

/** The sentence under the report. "Every figure comes from Alex's calculations" is said only
 *  when the grounding check ran and matched every figure it checked. */
export function groundingClaim(g: DataQuality["grounding"]): GroundingClaim {
  if (g.status === "ok") {
    if (g.checked === 0)
      return {
        tone: "neutral",
        text: "The grounding check found no figures in this report to compare.",
      };
    return {
      tone: "good",
      text:
        g.checked !== null
          ? `Every figure in this report comes from Alex's calculations on your data: the grounding check matched all ${g.checked}.`
          : "Every figure in this report comes from Alex's calculations on your data.",
    };
  }
  if (g.status === "issues") {
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

const MINUS = "\u2212";

/** A scenario's change from the current plan, for a figure where more is better (success
 *  odds, sustainable income). Judged on the value as shown, so a change that rounds to zero
 *  is neither green nor red. */
export function scenarioDelta(
  value: number | null,
  base: number | null,
  kind: "points" | "money",
): Delta | null {
  if (value === null || base === null) return null;
  const raw = value - base;
  const shown = kind === "points" ? Number(raw.toFixed(1)) : Math.round(raw);
  const tone: Tone = shown > 0 ? "good" : shown < 0 ? "bad" : "neutral";
  const sign = shown > 0 ? "+" : shown < 0 ? MINUS : "±";
  const size = Math.abs(shown);
  const text =
    kind === "points" ? `${sign}${size.toFixed(1)} pp` : `${sign}$${size.toLocaleString("en-US")}`;
  return { text, tone };
}
