import { describe, expect, it } from "vitest";
import { modelCost } from "@/lib/format";
import type { SummaryPayload } from "@/lib/payloads";
import { usageView } from "@/lib/usage";

function summary(partial: Partial<SummaryPayload>): SummaryPayload {
  return {
    sections: {},
    data_quality: { notes: [], stale_prices: [], coverage_pct: null } as never,
    usage: { requests: 4, tokens_in: 5061, tokens_out: 515, cost_usd: "0.002848" },
    usage_by_agent: [],
    ...partial,
  } as SummaryPayload;
}

describe("usageView", () => {
  it("shows nothing when no model was called", () => {
    expect(usageView(summary({}))).toBeNull();
    expect(usageView(null)).toBeNull();
  });

  it("lists each agent and the job's total as the server recorded them", () => {
    const view = usageView(
      summary({
        usage_by_agent: [
          {
            agent: "reporter",
            requests: 2,
            tokens_in: 2739,
            tokens_out: 187,
            cost_usd: "0.001395",
            cost_known: true,
          },
          {
            agent: "planner",
            requests: 2,
            tokens_in: 582,
            tokens_out: 96,
            cost_usd: "0.000386",
            cost_known: true,
          },
        ],
      }),
    );
    expect(view?.rows).toEqual([
      { agent: "Reporter", requests: "2", tokens: "2,739 in · 187 out", cost: "$0.0014" },
      { agent: "Planner", requests: "2", tokens: "582 in · 96 out", cost: "$0.0004" },
    ]);
    expect(view?.total).toEqual({
      agent: "Total",
      requests: "4",
      tokens: "5,061 in · 515 out",
      cost: "$0.0028",
    });
  });

  it("says when a model had no price instead of showing $0", () => {
    const view = usageView(
      summary({
        usage_by_agent: [
          {
            agent: "tagger",
            requests: 1,
            tokens_in: 200,
            tokens_out: 20,
            cost_usd: "0",
            cost_known: false,
          },
        ],
      }),
    );
    expect(view?.rows[0].cost).toBe("unknown");
    expect(view?.total.cost).toBe("at least $0.0028");
    expect(view?.note).toMatch(/no price/);
  });
});

describe("modelCost", () => {
  it("keeps fractions of a cent under a dollar and cents above", () => {
    expect(modelCost("0.00005")).toBe("$0.0001");
    expect(modelCost("0.002848")).toBe("$0.0028");
    expect(modelCost("12.345")).toBe("$12.35");
  });
});
