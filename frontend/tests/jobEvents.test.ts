import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "@/lib/api";
import {
  cardsStatus,
  catchingUp,
  JobEventsSource,
  replaying,
  type JobEventsOptions,
  type Loader,
} from "@/lib/jobEvents";
import type { Job, JobEvent } from "@/lib/types";

const T0 = Date.parse("2026-12-01T10:00:00Z");
const JOB = "job-1";

function job(status: Job["status"], completedMsAfterT0: number | null = null): Job {
  return {
    id: JOB,
    user_id: "u",
    job_type: "portfolio_analysis",
    status,
    request_payload: null,
    report_payload: null,
    charts_payload: null,
    retirement_payload: null,
    summary_payload: null,
    error_message: null,
    attempts: 1,
    started_at: new Date(T0).toISOString(),
    completed_at:
      completedMsAfterT0 === null ? null : new Date(T0 + completedMsAfterT0).toISOString(),
    created_at: new Date(T0).toISOString(),
    updated_at: new Date(T0).toISOString(),
  } as Job;
}

function event(seq: number, agent: string, kind: string, ms: number): JobEvent {
  return {
    id: seq,
    job_id: JOB,
    seq,
    agent,
    kind,
    message: `${agent} ${kind}`,
    data: null,
    tokens_in: 0,
    tokens_out: 0,
    cost_usd: "0",
    created_at: new Date(T0 + ms).toISOString(),
  } as JobEvent;
}

/** A server scripted as a queue of answers per poll: each poll reads the job, then the events
 *  after the cursor it sends. An answer is a value, an error to throw, or "hang". */
type Answer = { job: Job; events: JobEvent[] } | Error | "hang";

function scriptedServer(answers: Answer[]) {
  const calls: { path: string; after: unknown; signal?: AbortSignal; timeoutMs?: number }[] = [];
  let current: Answer | undefined;
  const load = vi.fn(async (path: string, opts: Parameters<Loader>[1]) => {
    calls.push({ path, after: opts.query?.after, signal: opts.signal, timeoutMs: opts.timeoutMs });
    if (!path.endsWith("/events")) current = answers.shift() ?? answers.at(-1);
    const answer = current;
    if (answer === undefined) throw new Error("no scripted answer");
    if (answer === "hang")
      return new Promise((_resolve, reject) =>
        opts.signal?.addEventListener("abort", () =>
          reject(new DOMException("aborted", "AbortError")),
        ),
      );
    if (answer instanceof Error) throw answer;
    return path.endsWith("/events") ? answer.events : answer.job;
  }) as unknown as Loader & { mock: { calls: unknown[][] } };
  return { load, calls, jobReads: () => calls.filter((c) => !c.path.endsWith("/events")).length };
}

function follow(answers: Answer[], opts: JobEventsOptions = {}) {
  const server = scriptedServer(answers);
  const source = new JobEventsSource(JOB, {
    load: server.load,
    now: () => Date.now(),
    ...opts,
  });
  source.start();
  return { source, server, state: () => source.getState() };
}

const offline = () => new ApiError(0, "Cannot reach the Alex server. Check that it is running.");

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("a job running when the page opens", () => {
  it("is followed live: events appear at their recorded pace, then polling stops", async () => {
    const started = event(1, "planner", "started", 0);
    const working = event(2, "reporter", "started", 300);
    const done = event(3, "planner", "completed", 350);
    const { source, server, state } = follow([
      { job: job("running"), events: [started, working] },
      { job: job("completed", 350), events: [done] },
      { job: job("completed", 350), events: [] },
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(state().mode).toBe("live");
    expect(state().job?.status).toBe("running");
    expect(state().revealed).toBe(1); // the second event comes 300 ms after the first
    expect(server.calls[1].after).toBe(0);
    await vi.advanceTimersByTimeAsync(300);
    expect(state().revealed).toBe(2);

    await vi.advanceTimersByTimeAsync(100); // the next poll, 400 ms after the first
    expect(server.calls[3].after).toBe(2);
    expect(state().job?.status).toBe("completed");
    expect(replaying(state())).toBe(false); // live, not a replay
    await vi.advanceTimersByTimeAsync(50); // recorded 50 ms after the one before
    expect(state().revealed).toBe(3);
    await vi.advanceTimersByTimeAsync(350); // one more poll finds nothing new: done
    expect(state().polling).toBe(false);
    const reads = server.jobReads();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.jobReads()).toBe(reads);
    source.stop();
  });

  it("asks with a timeout and abandons the request in flight when stopped", async () => {
    const { source, server } = follow(["hang"], { timeoutMs: 7_000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(server.calls[0].timeoutMs).toBe(7_000);
    source.stop();
    expect(server.calls[0].signal?.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.calls).toHaveLength(1);
  });
});

describe("a job that had finished when the page opened", () => {
  const events = [
    event(1, "planner", "started", 0),
    event(2, "reporter", "started", 500),
    event(3, "reporter", "completed", 1_500),
    event(4, "planner", "completed", 2_000),
  ];

  it("long ago: is shown at once, as a finished job", async () => {
    vi.setSystemTime(T0 + 3_600_000);
    const { state } = follow([
      { job: job("completed", 2_000), events },
      { job: job("completed", 2_000), events: [] },
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(state().mode).toBe("replay");
    expect(state().revealed).toBe(4);
    expect(replaying(state())).toBe(false);
    expect(cardsStatus(state())).toBe("completed");
  });

  it("just now: is replayed at its pace, labelled as a replay, never shown as running", async () => {
    vi.setSystemTime(T0 + 2_500);
    const { source, state } = follow([
      { job: job("completed", 2_000), events },
      { job: job("completed", 2_000), events: [] },
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(state().mode).toBe("replay");
    expect(replaying(state())).toBe(true);
    expect(state().job?.status).toBe("completed");
    // The cards show the replayed moment, so agents not reached yet are not "not needed".
    expect(cardsStatus(state())).toBe("running");
    await vi.advanceTimersByTimeAsync(500);
    expect(state().revealed).toBe(2);
    expect(state().job?.status).toBe("completed");
    await vi.advanceTimersByTimeAsync(1_200); // a 1 s gap, then the last one
    expect(state().revealed).toBe(3);
    source.showAll();
    expect(state().revealed).toBe(4);
    expect(catchingUp(state())).toBe(false);
    expect(cardsStatus(state())).toBe("completed");

    source.replay();
    expect(state().revealed).toBe(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(state().revealed).toBe(1);
    expect(replaying(state())).toBe(true);
  });

  it("caps a long recorded gap", async () => {
    vi.setSystemTime(T0 + 20_000);
    const slow = [event(1, "planner", "started", 0), event(2, "planner", "completed", 15_000)];
    const { state } = follow([
      { job: job("completed", 15_000), events: slow },
      { job: job("completed", 15_000), events: [] },
    ]);
    await vi.advanceTimersByTimeAsync(1_199);
    expect(state().revealed).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(state().revealed).toBe(2);
  });
});

describe("when the server fails", () => {
  it("retries with growing waits, then gives up visibly; retry starts again", async () => {
    const failing: Answer[] = [offline(), offline(), offline(), offline(), offline()];
    const { source, server, state } = follow([
      ...failing,
      { job: job("completed", 0), events: [event(1, "planner", "completed", 0)] },
      { job: job("completed", 0), events: [] },
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(state().retrying).toMatchObject({ attempt: 1, of: 4, inMs: 1_000 });
    expect(state().retrying?.message).toMatch(/Cannot reach/);
    for (const [wait, attempt] of [
      [1_000, 2],
      [2_000, 3],
      [4_000, 4],
    ] as const) {
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(server.jobReads()).toBe(attempt - 1); // not a moment early
      await vi.advanceTimersByTimeAsync(1);
      expect(server.jobReads()).toBe(attempt);
      expect(state().retrying?.attempt).toBe(attempt);
    }
    await vi.advanceTimersByTimeAsync(8_000);
    expect(server.jobReads()).toBe(5);
    expect(state().retrying).toBeNull();
    expect(state().error?.message).toMatch(/Cannot reach/);
    expect(state().polling).toBe(false);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(server.jobReads()).toBe(5); // given up: no retrying forever

    source.retry();
    await vi.advanceTimersByTimeAsync(0);
    expect(state().error).toBeNull();
    expect(state().job?.status).toBe("completed");
    expect(state().events).toHaveLength(1);
  });

  it("waits as long as a rate limit asks", async () => {
    const { server, state } = follow([
      new ApiError(429, "Too many requests", [], 30),
      { job: job("running"), events: [] },
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(state().retrying?.inMs).toBe(30_000);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(server.jobReads()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(state().job?.status).toBe("running");
  });

  it("does not retry what cannot succeed: a missing job, a refused request", async () => {
    const missing = follow([new ApiError(404, "job not found")]);
    await vi.advanceTimersByTimeAsync(0);
    expect(missing.state().notFound).toBe(true);
    const refused = follow([new ApiError(400, "bad request")]);
    await vi.advanceTimersByTimeAsync(0);
    expect(refused.state().error).toEqual({ status: 400, message: "bad request" });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(missing.server.jobReads() + refused.server.jobReads()).toBe(2);
  });

  it("recovers after a failure without spending the whole budget", async () => {
    const { state } = follow([
      offline(),
      { job: job("running"), events: [] },
      offline(),
      { job: job("running"), events: [] },
    ]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(state().retrying).toBeNull();
    await vi.advanceTimersByTimeAsync(400);
    // A new failure after a success starts the waits again from the first.
    expect(state().retrying).toMatchObject({ attempt: 1, inMs: 1_000 });
  });
});
