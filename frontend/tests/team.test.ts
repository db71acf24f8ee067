import { describe, expect, it } from "vitest";
import {
  agentDuration,
  applyEvents,
  attemptStart,
  latestAttempt,
  initialTeam,
  maxSeq,
  settle,
  type AgentEvent,
} from "@/lib/team";

const t0 = Date.parse("2026-11-23T10:00:00Z");
let seq = 0;
function ev(
  agent: string,
  kind: string,
  message: string,
  ms: number,
  data: Record<string, unknown> | null = null,
): AgentEvent {
  seq += 1;
  return {
    seq,
    agent,
    kind,
    message,
    data,
    created_at: new Date(t0 + ms).toISOString(),
    tokens_in: 10,
    tokens_out: 5,
  };
}

describe("applyEvents", () => {
  it("starts with every agent waiting", () => {
    const team = initialTeam();
    expect(Object.values(team).every((a) => a.status === "waiting")).toBe(true);
  });

  it("moves an agent through working, tool use and done with a duration", () => {
    const events = [
      ev("reporter", "started", "Working on the report", 0),
      ev("reporter", "tool", "Using get_allocation", 100, { tool: "get_allocation" }),
    ];
    let team = applyEvents(initialTeam(), events);
    expect(team.reporter.status).toBe("working");
    expect(team.reporter.tool).toBe("get_allocation");
    expect(team.reporter.toolCalls).toBe(1);
    expect(team.charter.status).toBe("waiting");
    team = applyEvents(team, [ev("reporter", "completed", "Report written", 1500)]);
    expect(team.reporter.status).toBe("done");
    expect(agentDuration(team.reporter, t0 + 99999)).toBe(1500);
    expect(team.reporter.tokensIn).toBe(30);
  });

  it("shows several agents working at once", () => {
    const team = applyEvents(initialTeam(), [
      ev("reporter", "started", "", 0),
      ev("charter", "started", "", 5),
      ev("retirement", "started", "", 9),
    ]);
    expect(["reporter", "charter", "retirement"].map((a) => team[a as "reporter"].status)).toEqual([
      "working",
      "working",
      "working",
    ]);
  });

  it("records the failure reason", () => {
    const team = applyEvents(initialTeam(), [
      ev("retirement", "started", "", 0),
      ev("retirement", "failed", "Simulation timed out", 50),
    ]);
    expect(team.retirement.status).toBe("failed");
    expect(team.retirement.error).toBe("Simulation timed out");
  });

  it("applies events in seq order whatever order they arrive in, and ignores unknown agents", () => {
    const a = ev("planner", "started", "", 0);
    const b = ev("planner", "completed", "", 10);
    const c = ev("researcher", "started", "", 20);
    const team = applyEvents(initialTeam(), [b, c, a]);
    expect(team.planner.status).toBe("done");
    expect(maxSeq([a, b, c])).toBe(c.seq);
  });

  it("marks agents that never ran as not needed once the job completes", () => {
    const team = settle(
      applyEvents(initialTeam(), [ev("planner", "completed", "", 0)]),
      "completed",
    );
    expect(team.tagger.status).toBe("skipped");
    expect(settle(initialTeam(), "running").tagger.status).toBe("waiting");
  });

  it("fails agents cut short by a failed job", () => {
    const team = settle(applyEvents(initialTeam(), [ev("charter", "started", "", 0)]), "failed");
    expect(team.charter.status).toBe("failed");
  });
});

describe("retries", () => {
  const crash = () => [
    ev("planner", "started", "Loading your portfolio", 0),
    ev("reporter", "started", "Writing", 10),
    ev("planner", "progress", "attempt 1 failed, will retry: worker lost", 20),
    ev("planner", "progress", "Attempt 2 of 3", 30, {
      attempt: 2,
      max_attempts: 3,
      reason: "the worker running attempt 1 stopped",
    }),
  ];

  it("reads the attempt, its limit and why from the planner's event", () => {
    const events = crash();
    expect(events.map(attemptStart)).toEqual([
      null,
      null,
      null,
      { attempt: 2, maxAttempts: 3, reason: "the worker running attempt 1 stopped" },
    ]);
    expect(latestAttempt(events)?.attempt).toBe(2);
    expect(latestAttempt(events.slice(0, 3))).toBeNull();
    // Not a retry: the first attempt, another agent, or a malformed number.
    expect(attemptStart(ev("planner", "progress", "", 0, { attempt: 1 }))).toBeNull();
    expect(attemptStart(ev("reporter", "progress", "", 0, { attempt: 2 }))).toBeNull();
    expect(attemptStart(ev("planner", "progress", "", 0, { attempt: "2" }))).toBeNull();
  });

  it("starts the cards over for the new attempt", () => {
    const team = applyEvents(initialTeam(), crash());
    expect(team.reporter.status).toBe("waiting"); // attempt 1's work does not count
    expect(team.planner.status).toBe("working");
    expect(team.planner.message).toBe("Attempt 2 of 3");
  });
});
