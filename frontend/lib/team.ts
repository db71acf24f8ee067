// The Advisor Team's state, derived only from the job's real events (never from a timer).

export const AGENTS = ["planner", "tagger", "reporter", "charter", "retirement"] as const;
export type AgentId = (typeof AGENTS)[number];

export interface AgentEvent {
  seq: number;
  agent: string;
  kind: "started" | "tool" | "progress" | "completed" | "failed" | string;
  message: string;
  data?: Record<string, unknown> | null;
  tokens_in?: number;
  tokens_out?: number;
  created_at: string;
}

export type AgentStatus = "waiting" | "working" | "done" | "failed" | "skipped";

export interface AgentState {
  status: AgentStatus;
  /** Latest message from the agent. */
  message: string | null;
  /** Tool currently (or last) in use. */
  tool: string | null;
  startedAt: number | null;
  endedAt: number | null;
  toolCalls: number;
  tokensIn: number;
  tokensOut: number;
  error: string | null;
}

export function initialAgentState(): AgentState {
  return {
    status: "waiting",
    message: null,
    tool: null,
    startedAt: null,
    endedAt: null,
    toolCalls: 0,
    tokensIn: 0,
    tokensOut: 0,
    error: null,
  };
}

export type TeamState = Record<AgentId, AgentState>;

export function initialTeam(): TeamState {
  return Object.fromEntries(AGENTS.map((a) => [a, initialAgentState()])) as TeamState;
}

function toolName(ev: AgentEvent): string {
  const d = ev.data ?? {};
  const t = d.tool ?? d.tool_name ?? d.name;
  return typeof t === "string" && t ? t : ev.message;
}

/** The start of a retry: the planner's progress event whose data says which attempt (n > 1)
 *  of how many begins, and why the previous one ended. */
export interface AttemptStart {
  attempt: number;
  maxAttempts: number | null;
  reason: string | null;
}

export function attemptStart(ev: AgentEvent): AttemptStart | null {
  if (ev.agent !== "planner" || ev.kind !== "progress" || !ev.data) return null;
  const { attempt, max_attempts: max, reason } = ev.data;
  if (typeof attempt !== "number" || !Number.isInteger(attempt) || attempt < 2) return null;
  return {
    attempt,
    maxAttempts: typeof max === "number" && Number.isInteger(max) ? max : null,
    reason: typeof reason === "string" && reason ? reason : null,
  };
}

/** The latest retry among `events`, if the job was retried. */
export function latestAttempt(events: AgentEvent[]): AttemptStart | null {
  let latest: AttemptStart | null = null;
  for (const ev of events) {
    const a = attemptStart(ev);
    if (a && (!latest || a.attempt >= latest.attempt)) latest = a;
  }
  return latest;
}

/** Apply events (in any order, duplicates ignored by seq) to a team state. Pure. A retry
 *  starts the team over: the cards show the current attempt, the timeline keeps them all. */
export function applyEvents(state: TeamState, events: AgentEvent[]): TeamState {
  let next: TeamState = { ...state };
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  for (const ev of sorted) {
    if (attemptStart(ev)) next = initialTeam();
    if (!(AGENTS as readonly string[]).includes(ev.agent)) continue;
    const id = ev.agent as AgentId;
    const a: AgentState = { ...next[id] };
    const at = Date.parse(ev.created_at);
    a.tokensIn += ev.tokens_in ?? 0;
    a.tokensOut += ev.tokens_out ?? 0;
    switch (ev.kind) {
      case "started":
        a.status = "working";
        a.startedAt = a.startedAt ?? at;
        a.message = ev.message || a.message;
        break;
      case "tool":
        if (a.status !== "done" && a.status !== "failed") a.status = "working";
        a.startedAt = a.startedAt ?? at;
        a.tool = toolName(ev);
        a.toolCalls += 1;
        a.message = ev.message || a.message;
        break;
      case "progress":
        if (a.status !== "done" && a.status !== "failed") a.status = "working";
        a.startedAt = a.startedAt ?? at;
        a.message = ev.message || a.message;
        break;
      case "completed":
        a.status = "done";
        a.endedAt = at;
        a.startedAt = a.startedAt ?? at;
        a.message = ev.message || a.message;
        break;
      case "failed":
        a.status = "failed";
        a.endedAt = at;
        a.error = ev.message || "failed";
        a.message = ev.message || a.message;
        break;
      default:
        break;
    }
    next[id] = a;
  }
  return next;
}

/** Once the job has finished, agents that never ran were not needed (e.g. no unclassified
 *  symbols for the tagger) or were cut short by a failure. */
export function settle(state: TeamState, jobStatus: string): TeamState {
  if (jobStatus !== "completed" && jobStatus !== "failed") return state;
  const next = { ...state };
  for (const id of AGENTS) {
    const a = next[id];
    if (a.status === "waiting") next[id] = { ...a, status: "skipped" };
    else if (a.status === "working" && jobStatus === "failed")
      next[id] = { ...a, status: "failed", error: a.error ?? "Stopped: the analysis failed" };
  }
  return next;
}

export function agentDuration(a: AgentState, now: number): number | null {
  if (a.startedAt === null) return null;
  return (a.endedAt ?? now) - a.startedAt;
}

export function maxSeq(events: AgentEvent[], prev = 0): number {
  return events.reduce((m, e) => Math.max(m, e.seq), prev);
}

export interface Persona {
  id: AgentId;
  name: string;
  role: string;
  blurb: string;
  color: string;
  initials: string;
}

export const PERSONAS: Record<AgentId, Persona> = {
  planner: {
    id: "planner",
    name: "Planner",
    role: "Orchestrator",
    blurb: "Loads your portfolio, routes the work and assembles the result.",
    color: "#753991",
    initials: "PL",
  },
  tagger: {
    id: "tagger",
    name: "Tagger",
    role: "Classification",
    blurb: "Classifies unknown instruments by asset class, region and sector.",
    color: "#209DD7",
    initials: "TG",
  },
  reporter: {
    id: "reporter",
    name: "Reporter",
    role: "Portfolio analyst",
    blurb: "Writes your report: allocation, drift, risks and recommendations.",
    color: "#062147",
    initials: "RP",
  },
  charter: {
    id: "charter",
    name: "Charter",
    role: "Visualisation",
    blurb: "Chooses and titles the charts that tell your portfolio's story.",
    color: "#FFB707",
    initials: "CH",
  },
  retirement: {
    id: "retirement",
    name: "Retirement",
    role: "Monte Carlo specialist",
    blurb: "Simulates thousands of futures to test your retirement plan.",
    color: "#16a34a",
    initials: "RT",
  },
};
