import { describe, expect, it } from "vitest";
import { difference, groundingClaim, scenarioDelta } from "@/lib/analysisView";
import type { GroundingSummary } from "@/lib/payloads";
import type { Job } from "@/lib/types";
// What the API sends for a demo analysis recorded with the offline analyst.
import recorded from "./fixtures/job.json";

const job = recorded as unknown as Job;
const CLAIM = "Every figure in this report comes from Alex's calculations";

function grounding(over: Partial<GroundingSummary>): GroundingSummary {
  return { grounded: true, checked: 12, matched: 12, unmatched: [], by_section: {}, ...over };
}

describe("groundingClaim", () => {
  it("makes the claim for a recorded job whose check passed", () => {
    const g = job.summary_payload!.grounding!;
    const claim = groundingClaim(g);
    expect(claim.tone).toBe("good");
    expect(claim.text).toContain(CLAIM);
    expect(claim.text).toContain(`matched all ${g.checked}`);
  });

  it("never makes it when figures were unmatched", () => {
    const g = grounding({ grounded: false, matched: 10, unmatched: ["$9,999", "71.2%"] });
    const claim = groundingClaim(g);
    expect(claim.tone).toBe("bad");
    expect(claim.text).not.toContain(CLAIM);
    expect(claim.text).toBe(
      "2 figures in this report could not be matched to Alex's calculations.",
    );
    expect(groundingClaim({ ...g, unmatched: ["$9,999"] }).text).toMatch(/^1 figure in/);
    expect(groundingClaim({ ...g, unmatched: [] }).text).toMatch(/^Some figures/);
  });

  it("never makes it when no check was recorded or nothing was checked", () => {
    const none = groundingClaim(null);
    expect(none.tone).toBe("neutral");
    expect(none.text).not.toContain(CLAIM);
    expect(none.text).toMatch(/no grounding check/);
    const empty = groundingClaim(grounding({ checked: 0, matched: 0 }));
    expect(empty.tone).toBe("neutral");
    expect(empty.text).not.toContain(CLAIM);
  });
});

describe("scenarioDelta", () => {
  it("is green only when the scenario improves on the current plan", () => {
    expect(scenarioDelta(7.5, "points")).toEqual({ text: "+7.5 pts", tone: "good" });
    expect(scenarioDelta(-6.6, "points")).toEqual({ text: "\u22126.6 pts", tone: "bad" });
    expect(scenarioDelta(8669.7, "money")).toEqual({ text: "+$8,670", tone: "good" });
    expect(scenarioDelta(-3330.3, "money")).toEqual({ text: "\u2212$3,330", tone: "bad" });
  });

  it("is neutral when the change rounds to nothing as shown", () => {
    expect(scenarioDelta(0.03, "points")).toEqual({ text: "0.0 pts", tone: "neutral" });
    expect(scenarioDelta(-0.03, "points")).toEqual({ text: "0.0 pts", tone: "neutral" });
    expect(scenarioDelta(0, "points")?.tone).toBe("neutral");
    expect(scenarioDelta(difference(43330.4, 43330.3), "money")).toEqual({
      text: "$0",
      tone: "neutral",
    });
  });

  it("has nothing to say without both figures", () => {
    expect(scenarioDelta(null, "points")).toBeNull();
    expect(difference(60, null)).toBeNull();
  });

  it("marks the recorded job's what-ifs (retire later, save more) as improvements", () => {
    const r = job.retirement_payload!;
    expect(r.scenarios).toHaveLength(2);
    const shown = r.scenarios.map((sc) => [
      scenarioDelta(sc.success_change_pp, "points"),
      scenarioDelta(difference(sc.sustainable_income, r.summary.sustainable_income), "money"),
    ]);
    // The points are the report's own figures (success_change_pp), so they read the same.
    expect(shown).toEqual([
      [
        { text: "+9.0 pts", tone: "good" },
        { text: "+$6,115", tone: "good" },
      ],
      [
        { text: "+6.9 pts", tone: "good" },
        { text: "+$5,272", tone: "good" },
      ],
    ]);
  });
});
