// Following one analysis job: poll the job and its events until it has finished, reveal the
// events in order, say whether this is a live view or a replay of a finished run, and give up
// visibly (with a way to try again) when the server keeps failing. No React here: the
// `useJobEvents` hook subscribes to it, and the tests drive it with fake timers.
import { api, ApiError, type RequestOptions } from "./api";
import { maxSeq, type AgentEvent } from "./team";
import type { Job, JobEvent } from "./types";

/** Loads one API path; `api` in the app, a fake in the tests. */
export type Loader = <T>(
  path: string,
  opts: Pick<RequestOptions, "query" | "signal" | "timeoutMs">,
) => Promise<T>;

/**
 * - `waiting`: no answer from the server yet.
 * - `live`: the job was queued or running when first seen; events appear as they are recorded.
 * - `replay`: the job had already finished when first seen; its recorded events are shown
 *   again (at their recorded pace, or all at once).
 */
export type Mode = "waiting" | "live" | "replay";

export interface JobEventsState {
  job: Job | null;
  /** Every event fetched so far, by seq. */
  events: AgentEvent[];
  /** How many of `events` are shown. */
  revealed: number;
  mode: Mode;
  /** Events are revealed at their recorded pace (else all at once). */
  paced: boolean;
  /** Still asking the server (the job has not finished, or its last events are not in). */
  polling: boolean;
  /** A request failed and will be tried again. */
  retrying: { attempt: number; of: number; inMs: number; message: string } | null;
  /** Gave up: shown with a retry button; nothing more happens until `retry()`. */
  error: { status: number; message: string } | null;
  /** The job does not exist or is not the caller's. */
  notFound: boolean;
}

export interface JobEventsOptions {
  load?: Loader;
  /** Milliseconds since the epoch; the page's clock, injectable for tests. */
  now?: () => number;
  pollMs?: number;
  timeoutMs?: number;
  /** Waits before each retry of a failed poll; one more failure and it gives up. */
  retryDelaysMs?: readonly number[];
  /** No gap between two revealed events is longer than this. */
  maxStepMs?: number;
  /** A job that finished at most this long before it was first seen is replayed at its pace
   *  (someone just started it and came to watch); an older one is shown at once. */
  recentMs?: number;
}

export const FINISHED = new Set(["completed", "failed"]);

export function isFinished(job: Job | null): boolean {
  return !!job && FINISHED.has(job.status);
}

/** Still revealing recorded events: the cards show the moment reached so far. */
export function catchingUp(s: JobEventsState): boolean {
  return s.revealed < s.events.length;
}

/** A replay is running (the job has finished; its events are being shown again). */
export function replaying(s: JobEventsState): boolean {
  return s.mode === "replay" && catchingUp(s);
}

/** The job status the agent cards are settled against: while events are still being revealed
 *  the cards show that moment of the run, not its end. The job's own status is shown as is. */
export function cardsStatus(s: JobEventsState): string {
  if (!s.job) return "pending";
  return catchingUp(s) && isFinished(s.job) ? "running" : s.job.status;
}

export function initialState(): JobEventsState {
  return {
    job: null,
    events: [],
    revealed: 0,
    mode: "waiting",
    paced: true,
    polling: false,
    retrying: null,
    error: null,
    notFound: false,
  };
}

const DEFAULTS = {
  pollMs: 400,
  timeoutMs: 10_000,
  retryDelaysMs: [1_000, 2_000, 4_000, 8_000],
  maxStepMs: 1_200,
  recentMs: 60_000,
} as const;

/** Worth trying again: the network, a timeout, the server's own failure, or a rate limit. */
function transient(e: unknown): boolean {
  if (!(e instanceof ApiError)) return true;
  return e.status === 0 || e.status === 429 || e.status >= 500;
}

export class JobEventsSource {
  private state: JobEventsState = initialState();
  private readonly listeners = new Set<() => void>();
  private readonly opts: Required<JobEventsOptions>;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private revealTimer: ReturnType<typeof setTimeout> | undefined;
  private inflight: AbortController | null = null;
  private failures = 0;
  private stopped = true;

  constructor(
    readonly jobId: string,
    opts: JobEventsOptions = {},
  ) {
    this.opts = {
      load: opts.load ?? api,
      now: opts.now ?? Date.now,
      pollMs: opts.pollMs ?? DEFAULTS.pollMs,
      timeoutMs: opts.timeoutMs ?? DEFAULTS.timeoutMs,
      retryDelaysMs: opts.retryDelaysMs ?? DEFAULTS.retryDelaysMs,
      maxStepMs: opts.maxStepMs ?? DEFAULTS.maxStepMs,
      recentMs: opts.recentMs ?? DEFAULTS.recentMs,
    };
  }

  getState = (): JobEventsState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.set({ polling: true });
    void this.poll();
  }

  /** Stop every timer and abandon the request in flight (the page went away). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.revealTimer);
    this.revealTimer = undefined;
    this.inflight?.abort();
    this.inflight = null;
  }

  /** After giving up: start asking again, with a fresh retry budget. */
  retry(): void {
    if (!this.state.error) return;
    this.failures = 0;
    this.set({ error: null, retrying: null, polling: true });
    clearTimeout(this.pollTimer);
    void this.poll();
  }

  /** Skip the rest of a paced reveal. */
  showAll(): void {
    clearTimeout(this.revealTimer);
    this.revealTimer = undefined;
    this.set({ paced: false, revealed: this.state.events.length });
  }

  /** Replay a finished run from its first event, at its recorded pace. */
  replay(): void {
    if (!isFinished(this.state.job)) return;
    clearTimeout(this.revealTimer);
    this.revealTimer = undefined;
    this.set({ mode: "replay", paced: true, revealed: 0 });
    this.scheduleReveal();
  }

  private set(patch: Partial<JobEventsState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  private async poll(): Promise<void> {
    const controller = new AbortController();
    this.inflight = controller;
    const { load, timeoutMs } = this.opts;
    const after = maxSeq(this.state.events);
    try {
      // The job first, then its events: once the job reads finished, the events read after it
      // include everything it recorded.
      const job = await load<Job>(`/api/jobs/${this.jobId}`, {
        signal: controller.signal,
        timeoutMs,
      });
      const fresh = await load<JobEvent[]>(`/api/jobs/${this.jobId}/events`, {
        query: { after },
        signal: controller.signal,
        timeoutMs,
      });
      if (this.stopped || controller.signal.aborted) return;
      this.failures = 0;
      this.receive(job, fresh);
    } catch (e) {
      if (this.stopped || controller.signal.aborted) return;
      this.fail(e);
    } finally {
      if (this.inflight === controller) this.inflight = null;
    }
  }

  private receive(job: Job, fresh: JobEvent[]): void {
    const known = new Set(this.state.events.map((e) => e.seq));
    const added = fresh.filter((e) => !known.has(e.seq));
    const events = added.length
      ? [...this.state.events, ...added].sort((a, b) => a.seq - b.seq)
      : this.state.events;
    let { mode, paced } = this.state;
    if (mode === "waiting") {
      if (FINISHED.has(job.status)) {
        mode = "replay";
        const ended = job.completed_at ? Date.parse(job.completed_at) : NaN;
        paced = Number.isFinite(ended) && this.opts.now() - ended <= this.opts.recentMs;
      } else {
        mode = "live";
        paced = true;
      }
    }
    // Finished and nothing new came: every event is in.
    const drained = FINISHED.has(job.status) && added.length === 0;
    this.set({
      job,
      events,
      mode,
      paced,
      revealed: paced ? this.state.revealed : events.length,
      retrying: null,
      polling: !drained,
    });
    this.scheduleReveal();
    if (!drained) this.pollTimer = setTimeout(() => void this.poll(), this.opts.pollMs);
  }

  private fail(e: unknown): void {
    const err = e instanceof ApiError ? e : null;
    const message = e instanceof Error ? e.message : String(e);
    if (err && (err.status === 404 || err.status === 403)) {
      this.set({ notFound: true, polling: false, retrying: null });
      return;
    }
    const delays = this.opts.retryDelaysMs;
    if (!transient(e) || this.failures >= delays.length) {
      this.set({
        error: { status: err?.status ?? 0, message },
        retrying: null,
        polling: false,
      });
      return;
    }
    // A rate limit says how long to wait; otherwise back off, longer each time.
    const wait = Math.max(delays[this.failures], (err?.retryAfter ?? 0) * 1000);
    this.failures += 1;
    this.set({ retrying: { attempt: this.failures, of: delays.length, inMs: wait, message } });
    this.pollTimer = setTimeout(() => void this.poll(), wait);
  }

  /** Reveal the next event after the gap recorded between it and the one before (capped),
   *  so a run that was recorded faster than it was polled is still seen step by step. */
  private scheduleReveal(): void {
    const { events, revealed, paced } = this.state;
    if (this.revealTimer !== undefined || this.stopped) return;
    if (!paced) {
      if (revealed !== events.length) this.set({ revealed: events.length });
      return;
    }
    if (revealed >= events.length) return;
    const prev = events[revealed - 1];
    const gap = prev ? Date.parse(events[revealed].created_at) - Date.parse(prev.created_at) : 0;
    const wait = Math.max(0, Math.min(Number.isFinite(gap) ? gap : 0, this.opts.maxStepMs));
    this.revealTimer = setTimeout(() => {
      this.revealTimer = undefined;
      this.set({ revealed: this.state.revealed + 1 });
      this.scheduleReveal();
    }, wait);
  }
}
