import { describe, expect, it } from "vitest";
import { groundingClaim, scenarioDelta } from "@/lib/analysisView";
import { readDataQuality, readRetirement } from "@/lib/payloads";
// A real job recorded from `alex serve` with the offline analyst on the demo portfolio.
import job from "./fixtures/job.json";

const CLAIM = "Every figure in this report comes from Alex's calculations";

describe("groundingClaim", () => {
  it("makes the claim for a recorded job whose check passed", () => {
    const g = readDataQuality(job.summary_payload).grounding;
    expect(g.status).toBe("ok");
    const claim = groundingClaim(g);
    expect(claim.tone).toBe("good");
    expect(claim.text).toContain(CLAIM);
    expect(claim.text).toContain(`matched all ${g.checked}`);
  });

  it("never makes it when figures were unmatched", () => {
    const g = readDataQuality({
      grounding: { grounded: false, checked: 12, matched: 10, unmatched: ["$9,999", "71.2%"] },
    }).grounding;
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
    const none = groundingClaim(readDataQuality({ executive_summary: "x" }).grounding);
    expect(none.tone).toBe("neutral");
    expect(none.text).not.toContain(CLAIM);
    expect(none.text).toMatch(/no grounding check/);
    const empty = groundingClaim(
      readDataQuality({ grounding: { grounded: true, checked: 0, matched: 0, unmatched: [] } })
        .grounding,
    );
    expect(empty.tone).toBe("neutral");
    expect(empty.text).not.toContain(CLAIM);
  });
});

describe("scenarioDelta", () => {
  it("is green only when the scenario improves on the current plan", () => {
    expect(scenarioDelta(64.2, 56.7, "points")).toEqual({ text: "+7.5 pp", tone: "good" });
    expect(scenarioDelta(50.1, 56.7, "points")).toEqual({ text: "\u22126.6 pp", tone: "bad" });
    expect(scenarioDelta(52000, 43330.3, "money")).toEqual({ text: "+$8,670", tone: "good" });
    expect(scenarioDelta(40000, 43330.3, "money")).toEqual({ text: "\u2212$3,330", tone: "bad" });
  });

  it("is neutral when the change rounds to nothing as shown", () => {
    expect(scenarioDelta(56.72, 56.69, "points")).toEqual({ text: "±0.0 pp", tone: "neutral" });
    expect(scenarioDelta(56.66, 56.69, "points")).toEqual({ text: "±0.0 pp", tone: "neutral" });
    expect(scenarioDelta(100, 100, "points")?.tone).toBe("neutral");
    expect(scenarioDelta(43330.4, 43330.3, "money")).toEqual({ text: "±$0", tone: "neutral" });
  });

  it("has nothing to say without both figures", () => {
    expect(scenarioDelta(null, 56.7, "points")).toBeNull();
    expect(scenarioDelta(60, null, "money")).toBeNull();
  });

  it("marks the recorded job's what-ifs (retire later, save more) as improvements", () => {
    const r = readRetirement(job.retirement_payload)!;
    expect(r.scenarios).toHaveLength(2);
    const shown = r.scenarios.map((sc) => [
      scenarioDelta(sc.successPct, r.successProbability, "points"),
      scenarioDelta(sc.sustainableIncome, r.sustainableIncome, "money"),
    ]);
    expect(shown).toEqual([
      [
        { text: "+9.0 pp", tone: "good" },
        { text: "+$6,115", tone: "good" },
      ],
      [
        { text: "+6.9 pp", tone: "good" },
        { text: "+$5,272", tone: "good" },
      ],
    ]);
  });
});
