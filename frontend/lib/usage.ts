// What an analysis cost in model calls, per agent, as the server recorded it (the summary's
// usage_by_agent, from the job's events; the total is the server's too). Only text is made here.
import { label, modelCost, number } from "./format";
import type { SummaryPayload } from "./payloads";

export interface UsageRow {
  agent: string;
  requests: string;
  tokens: string;
  cost: string;
}

export interface UsageView {
  rows: UsageRow[];
  total: UsageRow;
  note: string;
}

const AGENT_NAMES: Record<string, string> = {
  planner: "Planner",
  tagger: "Tagger",
  reporter: "Reporter",
  charter: "Charter",
  retirement: "Retirement",
};

/** The table, or null when no model was called (the offline analyst, or an analysis stored
 *  before usage was recorded). The total row is the server's job total. */
export function usageView(summary: SummaryPayload | null | undefined): UsageView | null {
  const agents = summary?.usage_by_agent ?? [];
  if (!summary || agents.length === 0) return null;
  const unknown = agents.some((a) => !a.cost_known);
  const rows = agents.map((a) => ({
    agent: AGENT_NAMES[a.agent] ?? label(a.agent),
    requests: number(a.requests),
    tokens: `${number(a.tokens_in)} in · ${number(a.tokens_out)} out`,
    cost: a.cost_known ? modelCost(a.cost_usd) : "unknown",
  }));
  const total = {
    agent: "Total",
    requests: number(summary.usage.requests),
    tokens: `${number(summary.usage.tokens_in)} in · ${number(summary.usage.tokens_out)} out`,
    cost: unknown
      ? `at least ${modelCost(summary.usage.cost_usd)}`
      : modelCost(summary.usage.cost_usd),
  };
  const note = unknown
    ? "A model used has no price in Alex's price list, so its cost is not included."
    : "Tokens as the model provider reported them, priced with LiteLLM's price list.";
  return { rows, total, note };
}
