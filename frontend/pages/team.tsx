import Link from "next/link";
import { useRouter } from "next/router";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Layout, PageHeader } from "@/components/Layout";
import { useToast } from "@/components/Toast";
import { Badge, Button, ButtonLink, Card, EmptyState, Skeleton } from "@/components/ui";
import { api, ApiError } from "@/lib/api";
import { dateTime, duration } from "@/lib/format";
import {
  AGENTS,
  agentDuration,
  applyEvents,
  initialTeam,
  maxSeq,
  PERSONAS,
  settle,
  type AgentEvent,
  type AgentId,
  type AgentState,
  type TeamState,
} from "@/lib/team";
import type { Job, JobCreated, JobEvent, JobSummary } from "@/lib/types";
import { useApi } from "@/lib/useApi";

const POLL_MS = 400;
/** Events that arrive together are shown at the pace they were recorded (their real
 *  timestamps), so a fast run is still visible step by step; no gap is stretched beyond this. */
const MAX_STEP_MS = 1200;

const STATUS_TEXT: Record<AgentState["status"], string> = {
  waiting: "Waiting",
  working: "Working",
  done: "Done",
  failed: "Failed",
  skipped: "Not needed",
};

function AgentCard({
  id,
  state,
  now,
  wide,
}: {
  id: AgentId;
  state: AgentState;
  now: number;
  wide?: boolean;
}) {
  const p = PERSONAS[id];
  const working = state.status === "working";
  const d = agentDuration(state, now);
  return (
    <article
      data-testid={`agent-${id}`}
      data-agent={id}
      data-status={state.status}
      aria-label={`${p.name}: ${STATUS_TEXT[state.status]}`}
      className={`rounded-2xl ${working ? "agent-working shadow-xl shadow-ai/20" : ""} ${wide ? "" : "h-full"}`}
    >
      <div
        className={`flex h-full flex-col rounded-2xl border bg-white p-4 transition-all duration-300 sm:p-5 ${working ? "border-transparent" : state.status === "done" ? "border-green-200" : state.status === "failed" ? "border-red-300" : "border-slate-200"} ${state.status === "skipped" || state.status === "waiting" ? "opacity-80" : ""}`}
      >
        <div className="flex items-start gap-3">
          <div className="relative shrink-0">
            <div
              className="grid h-12 w-12 place-items-center rounded-xl text-sm font-extrabold text-white shadow-md"
              style={{ background: p.color, color: id === "charter" ? "#062147" : "white" }}
            >
              {p.initials}
            </div>
            <span
              className={`absolute -bottom-1 -right-1 grid h-5 w-5 place-items-center rounded-full border-2 border-white text-[10px] font-bold text-white ${state.status === "done" ? "bg-good" : state.status === "failed" ? "bg-bad" : working ? "bg-ai" : "bg-slate-300"}`}
            >
              {state.status === "done" ? (
                "✓"
              ) : state.status === "failed" ? (
                "!"
              ) : working ? (
                <span className="pulse-dot h-1.5 w-1.5 rounded-full bg-white text-white" />
              ) : (
                ""
              )}
            </span>
          </div>
          <div className="min-w-0 flex-1">
            <div className="flex flex-wrap items-center gap-2">
              <h3 className="text-base font-bold text-ink">{p.name}</h3>
              <Badge
                tone={
                  state.status === "done"
                    ? "good"
                    : state.status === "failed"
                      ? "bad"
                      : working
                        ? "ai"
                        : "slate"
                }
              >
                {STATUS_TEXT[state.status]}
              </Badge>
            </div>
            <p className="text-xs font-medium text-slate-500">{p.role}</p>
          </div>
        </div>
        <div className="mt-3 min-h-[2.75rem] flex-1 text-sm" aria-live="polite">
          {state.status === "waiting" && <p className="text-slate-500">{p.blurb}</p>}
          {state.status === "skipped" && (
            <p className="text-slate-500">Not needed for this analysis.</p>
          )}
          {working && (
            <div className="space-y-1">
              {state.tool && (
                <p
                  className="flex items-center gap-1.5 font-mono text-xs text-ai"
                  data-testid={`agent-${id}-tool`}
                >
                  <svg
                    aria-hidden
                    width="12"
                    height="12"
                    viewBox="0 0 24 24"
                    fill="none"
                    stroke="currentColor"
                    strokeWidth="2.2"
                  >
                    <path d="M14.7 6.3a4 4 0 0 0-5.4 5.4L3 18l3 3 6.3-6.3a4 4 0 0 0 5.4-5.4l-2.5 2.5-2.4-.6-.6-2.4z" />
                  </svg>
                  <span className="truncate">{state.tool}</span>
                </p>
              )}
              <p className="line-clamp-2 text-slate-700">{state.message ?? "Starting…"}</p>
            </div>
          )}
          {state.status === "done" && (
            <p className="line-clamp-3 text-slate-700">{state.message ?? "Finished."}</p>
          )}
          {state.status === "failed" && (
            <p className="text-bad" data-testid={`agent-${id}-error`}>
              {state.error}
            </p>
          )}
        </div>
        <div className="mt-3 flex flex-wrap items-center gap-x-4 gap-y-1 border-t border-slate-100 pt-2 text-xs text-slate-500">
          <span className="num inline-flex items-center gap-1">
            <svg
              aria-hidden
              width="12"
              height="12"
              viewBox="0 0 24 24"
              fill="none"
              stroke="currentColor"
              strokeWidth="2.2"
            >
              <circle cx="12" cy="13" r="8" />
              <path d="M12 9v4l2.5 2M9 2h6" />
            </svg>
            {d === null ? "—" : duration(d)}
          </span>
          {state.toolCalls > 0 && (
            <span className="num">
              {state.toolCalls} tool call{state.toolCalls === 1 ? "" : "s"}
            </span>
          )}
          {state.tokensIn + state.tokensOut > 0 && (
            <span className="num">
              {(state.tokensIn + state.tokensOut).toLocaleString()} tokens
            </span>
          )}
        </div>
      </div>
    </article>
  );
}

/** Flowing connector between stages; it flows only while the downstream stage is active. */
function Connector({ active, branches }: { active: boolean; branches: number }) {
  const xs = branches === 1 ? [50] : [16.6, 50, 83.3];
  return (
    <svg
      className="mx-auto my-1 block h-10 w-full"
      viewBox="0 0 100 40"
      preserveAspectRatio="none"
      aria-hidden
    >
      {xs.map((x) => (
        <path
          key={x}
          d={`M50 0 C50 20, ${x} 20, ${x} 40`}
          fill="none"
          stroke={active ? "#753991" : "#cbd5e1"}
          strokeWidth={active ? 1.4 : 1}
          vectorEffect="non-scaling-stroke"
          strokeDasharray="4 4"
          style={active ? { animation: "var(--animate-flow)" } : undefined}
        />
      ))}
    </svg>
  );
}

function JobStatus({ job, now, team }: { job: Job; now: number; team: TeamState }) {
  const start = Date.parse(job.started_at ?? job.created_at);
  const end = job.completed_at ? Date.parse(job.completed_at) : null;
  const elapsed = end ? end - start : now - start;
  const active = AGENTS.filter((a) => team[a].status === "working").length;
  const done = AGENTS.filter((a) => team[a].status === "done").length;
  const tone = job.status === "completed" ? "good" : job.status === "failed" ? "bad" : "ai";
  return (
    <div
      className="flex flex-wrap items-center gap-x-6 gap-y-2 rounded-2xl bg-ink px-5 py-4 text-white"
      data-testid="job-status"
      data-job-status={job.status}
    >
      <div className="flex items-center gap-2">
        {(job.status === "running" || job.status === "pending") && (
          <span className="pulse-dot h-2.5 w-2.5 rounded-full bg-accent text-accent" />
        )}
        <Badge tone={tone}>{job.status}</Badge>
      </div>
      <div>
        <p className="text-[10px] font-semibold uppercase tracking-wider text-white/50">Elapsed</p>
        <p className="num text-lg font-bold" data-testid="elapsed">
          {duration(Math.max(0, elapsed))}
        </p>
      </div>
      <div>
        <p className="text-[10px] font-semibold uppercase tracking-wider text-white/50">
          Working now
        </p>
        <p className="num text-lg font-bold">{active}</p>
      </div>
      <div>
        <p className="text-[10px] font-semibold uppercase tracking-wider text-white/50">Finished</p>
        <p className="num text-lg font-bold">
          {done} / {AGENTS.length}
        </p>
      </div>
      {job.status === "failed" && job.error_message && (
        <p className="basis-full text-sm text-red-200" role="alert">
          {job.error_message}
        </p>
      )}
      {job.status === "completed" && (
        <ButtonLink href={`/analysis/?job=${job.id}`} size="sm" className="ml-auto">
          Open the analysis →
        </ButtonLink>
      )}
    </div>
  );
}

function ActivityFeed({ events, jobStart }: { events: AgentEvent[]; jobStart: number }) {
  const list = [...events].reverse().slice(0, 60);
  return (
    <ol
      className="max-h-[420px] space-y-2 overflow-y-auto pr-1 text-sm"
      data-testid="activity-feed"
    >
      {list.map((e) => {
        const p = PERSONAS[e.agent as AgentId];
        return (
          <li key={e.seq} className="animate-slide-in flex gap-3">
            <span className="num w-12 shrink-0 pt-0.5 text-right text-xs text-slate-400">
              +{((Date.parse(e.created_at) - jobStart) / 1000).toFixed(1)}s
            </span>
            <span
              className="mt-1.5 h-2 w-2 shrink-0 rounded-full"
              style={{ background: p?.color ?? "#94a3b8" }}
            />
            <p className="min-w-0 flex-1">
              <span className="font-semibold text-ink">{p?.name ?? e.agent}</span>{" "}
              <span
                className={
                  e.kind === "failed"
                    ? "text-bad"
                    : e.kind === "tool"
                      ? "font-mono text-xs text-ai"
                      : "text-slate-600"
                }
              >
                {e.message}
              </span>
            </p>
          </li>
        );
      })}
    </ol>
  );
}

export default function TeamPage() {
  const router = useRouter();
  const toast = useToast();
  const jobs = useApi<JobSummary[]>("/api/jobs");
  const [jobId, setJobId] = useState<string | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [events, setEvents] = useState<AgentEvent[]>([]);
  const [now, setNow] = useState(() => Date.now());
  const [starting, setStarting] = useState(false);
  // Watching live: this job was started here or found running, so its events are replayed at
  // their recorded pace and its end is announced.
  const [live, setLive] = useState(false);
  const [shown, setShown] = useState(0);
  const [notFound, setNotFound] = useState<string | null>(null);

  // Which job to show: ?job=… (unless it was not found) or a job still in progress.
  if (router.isReady && !jobId) {
    const q = router.query.job;
    if (typeof q === "string") {
      if (q !== notFound) setJobId(q);
    } else {
      const running = jobs.data?.find((j) => j.status === "pending" || j.status === "running");
      if (running) {
        setLive(true);
        setJobId(running.id);
      }
    }
  }

  // Another job starts from nothing.
  const [shownFor, setShownFor] = useState(jobId);
  if (jobId !== shownFor) {
    setShownFor(jobId);
    setEvents([]);
    setShown(0);
    setJob(null);
  }

  // Poll the job and its events until it finishes. Cards change only when events arrive.
  useEffect(() => {
    if (!jobId) return;
    let stop = false;
    let after = 0;
    let timer: number | undefined;
    const tick = async () => {
      try {
        const [j, evs] = await Promise.all([
          api<Job>(`/api/jobs/${jobId}`),
          api<JobEvent[]>(`/api/jobs/${jobId}/events`, { query: { after } }),
        ]);
        if (stop) return;
        if (evs.length) {
          after = maxSeq(evs, after);
          setEvents((prev) => [...prev, ...evs.filter((e) => !prev.some((p) => p.seq === e.seq))]);
        }
        setJob(j);
        const finished = j.status === "completed" || j.status === "failed";
        if (finished && evs.length === 0) return; // drained
      } catch (e) {
        if (stop) return;
        if ((e as ApiError).status === 404 || (e as ApiError).status === 403) {
          toast.error("That analysis was not found");
          setNotFound(jobId);
          setJobId(null);
          return;
        }
      }
      timer = window.setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
    return () => {
      stop = true;
      window.clearTimeout(timer);
    };
  }, [jobId, toast]);

  // Reveal events in order, spaced by their recorded timestamps when watching live; otherwise
  // all at once.
  useEffect(() => {
    if (!live || shown >= events.length) return;
    const prev = events[shown - 1];
    const gap = prev ? Date.parse(events[shown].created_at) - Date.parse(prev.created_at) : 0;
    const t = window.setTimeout(
      () => setShown((n) => n + 1),
      Math.max(0, Math.min(gap, MAX_STEP_MS)),
    );
    return () => window.clearTimeout(t);
  }, [events, shown, live]);

  const revealed = live ? shown : events.length;
  const visible = useMemo(() => events.slice(0, revealed), [events, revealed]);
  const catchingUp = revealed < events.length;
  const shownJob = useMemo<Job | null>(() => {
    if (!job) return null;
    if (catchingUp && (job.status === "completed" || job.status === "failed"))
      return { ...job, status: "running", completed_at: null };
    return job;
  }, [job, catchingUp]);

  const running = shownJob?.status === "pending" || shownJob?.status === "running";
  useEffect(() => {
    if (!running) return;
    const t = window.setInterval(() => setNow(Date.now()), 200);
    return () => window.clearInterval(t);
  }, [running]);

  // On completion of a job we watched live, say so once and flip to the Analysis page.
  const reloadJobs = jobs.reload;
  const shownStatus = shownJob?.status;
  const announced = useRef<string | null>(null);
  const flipTimer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(flipTimer.current), []);
  useEffect(() => {
    if (shownStatus === "running") void reloadJobs();
  }, [shownStatus, reloadJobs]);
  useEffect(() => {
    if (!shownJob || !live || announced.current === shownJob.id) return;
    const id = shownJob.id;
    if (shownJob.status === "completed") {
      announced.current = id;
      toast.success("Your analysis is ready");
      void reloadJobs();
      flipTimer.current = window.setTimeout(() => void router.push(`/analysis/?job=${id}`), 1800);
    } else if (shownJob.status === "failed") {
      announced.current = id;
      toast.error(shownJob.error_message ?? "The analysis failed");
      void reloadJobs();
    }
  }, [shownJob, live, toast, reloadJobs, router]);

  const team = useMemo(
    () => settle(applyEvents(initialTeam(), visible), shownJob?.status ?? "pending"),
    [visible, shownJob?.status],
  );

  const start = useCallback(async () => {
    setStarting(true);
    try {
      const res = await api<JobCreated>("/api/analyze", { method: "POST" });
      setLive(true);
      setNow(Date.now());
      setJobId(res.job_id);
      void router.replace(`/team/?job=${res.job_id}`, undefined, { shallow: true });
      void jobs.reload();
    } catch (e) {
      const err = e as ApiError;
      toast.error(
        err.status === 429 && err.retryAfter
          ? `${err.message} Try again in ${Math.ceil(err.retryAfter / 60)} min.`
          : err.message,
      );
    } finally {
      setStarting(false);
    }
  }, [router, toast, jobs]);

  const jobStart = job ? Date.parse(job.started_at ?? job.created_at) : now;
  const parallelActive = (["reporter", "charter", "retirement"] as const).some(
    (a) => team[a].status === "working",
  );

  return (
    <Layout title="Advisor Team">
      <PageHeader
        eyebrow={<span className="text-ai">Advisor Team</span>}
        title="Your AI advisor team"
        subtitle="Five specialist agents review your portfolio. Each card shows what its agent is really doing, live."
        action={
          <Button
            variant="ai"
            size="lg"
            onClick={start}
            busy={starting}
            disabled={running || starting}
            data-testid="start-analysis"
          >
            <span aria-hidden>✦</span> {running ? "Analysis running…" : "Start analysis"}
          </Button>
        }
      />

      {shownJob ? (
        <JobStatus job={shownJob} now={now} team={team} />
      ) : jobId ? (
        <Skeleton className="h-[76px] rounded-2xl" />
      ) : (
        <div className="rounded-2xl border border-ai/20 bg-gradient-to-r from-ai-50 via-white to-brand-50 px-5 py-4 text-sm text-ink-700">
          Ready when you are. Press <strong className="text-ai">Start analysis</strong>: the Planner
          loads your portfolio, the Tagger classifies anything unknown, then the Reporter, Charter
          and Retirement specialists work <strong>in parallel</strong>.
        </div>
      )}

      <div className="mt-6 grid gap-6 xl:grid-cols-[1fr_340px]">
        <section aria-label="Agents">
          <div className="grid gap-4 md:grid-cols-2">
            <AgentCard id="planner" state={team.planner} now={now} />
            <AgentCard id="tagger" state={team.tagger} now={now} />
          </div>
          <Connector active={parallelActive} branches={3} />
          <p className="-mt-1 mb-2 text-center text-[11px] font-bold uppercase tracking-[0.16em] text-ai/80">
            in parallel
          </p>
          <div className="grid gap-4 md:grid-cols-3">
            <AgentCard id="reporter" state={team.reporter} now={now} />
            <AgentCard id="charter" state={team.charter} now={now} />
            <AgentCard id="retirement" state={team.retirement} now={now} />
          </div>
        </section>
        <Card
          title="Live activity"
          subtitle={
            visible.length ? `${visible.length} events` : "Events appear here as agents work"
          }
        >
          {visible.length ? (
            <ActivityFeed events={visible} jobStart={jobStart} />
          ) : (
            <p className="text-sm text-slate-500">Nothing yet.</p>
          )}
        </Card>
      </div>

      <Card title="Past analyses" className="mt-6">
        {jobs.loading && !jobs.data ? (
          <Skeleton className="h-24" />
        ) : !jobs.data?.length ? (
          <EmptyState title="No analyses yet" icon="✦">
            Start your first analysis above — it takes about a minute with a hosted model, a second
            or two offline.
          </EmptyState>
        ) : (
          <div className="-mx-5 -my-5 overflow-x-auto">
            <table className="w-full text-sm" data-testid="past-analyses">
              <thead className="bg-slate-50 text-left text-xs uppercase tracking-wider text-slate-500">
                <tr>
                  <th className="px-5 py-2.5">Started</th>
                  <th className="px-3 py-2.5">Status</th>
                  <th className="px-3 py-2.5">Summary</th>
                  <th className="px-3 py-2.5 text-right">Took</th>
                  <th className="px-5 py-2.5" />
                </tr>
              </thead>
              <tbody>
                {jobs.data.map((j) => (
                  <tr
                    key={j.id}
                    className={`border-t border-slate-100 ${j.id === jobId ? "bg-ai-50/50" : ""}`}
                  >
                    <td className="whitespace-nowrap px-5 py-3">{dateTime(j.created_at)}</td>
                    <td className="px-3 py-3">
                      <Badge
                        tone={
                          j.status === "completed" ? "good" : j.status === "failed" ? "bad" : "ai"
                        }
                      >
                        {j.status}
                      </Badge>
                    </td>
                    <td className="max-w-md px-3 py-3 text-slate-600">
                      <span className="line-clamp-2">
                        {j.status === "failed" ? j.error_message : (j.headline ?? "—")}
                      </span>
                    </td>
                    <td className="num whitespace-nowrap px-3 py-3 text-right">
                      {j.started_at && j.completed_at
                        ? duration(Date.parse(j.completed_at) - Date.parse(j.started_at))
                        : "—"}
                    </td>
                    <td className="whitespace-nowrap px-5 py-3 text-right">
                      {j.status === "completed" && (
                        <Link
                          className="font-semibold text-brand-600 hover:underline"
                          href={`/analysis/?job=${j.id}`}
                        >
                          Report
                        </Link>
                      )}
                      <button
                        className="ml-3 font-semibold text-ai hover:underline"
                        onClick={() => {
                          setLive(false);
                          setJobId(j.id);
                          void router.replace(`/team/?job=${j.id}`, undefined, { shallow: true });
                        }}
                      >
                        View team
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </Layout>
  );
}
