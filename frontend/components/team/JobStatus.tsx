// The job's own state, as the server reports it (never made to look running while its recorded
// events are replayed), how the page is showing it (live or a replay), its attempt, and any
// trouble reaching the server.
import type { ReactNode } from "react";
import { Badge, Button, ButtonLink } from "@/components/ui";
import { duration } from "@/lib/format";
import { catchingUp, isFinished, replaying, type JobEventsState } from "@/lib/jobEvents";
import { AGENTS, latestAttempt, type TeamState } from "@/lib/team";
import type { Job } from "@/lib/types";

function Figure({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <p className="text-[10px] font-semibold uppercase tracking-wider text-white/50">{label}</p>
      <p className="num text-lg font-bold">{children}</p>
    </div>
  );
}

/** What the timeline is: live, a replay in progress, or the record of a finished run. */
function ModeNote({
  state,
  onShowAll,
  onReplay,
}: {
  state: JobEventsState;
  onShowAll: () => void;
  onReplay: () => void;
}) {
  if (state.mode === "live" && !isFinished(state.job))
    return (
      <span className="flex items-center gap-1.5 text-xs font-semibold text-white/80">
        <span className="pulse-dot h-2 w-2 rounded-full bg-good text-good" />
        Live
      </span>
    );
  if (replaying(state))
    return (
      <span className="flex flex-wrap items-center gap-2 text-xs text-white/80">
        <Badge tone="accent">Replay</Badge>
        <span data-testid="replay-progress">
          Replaying the recorded run: {state.revealed} of {state.events.length} events
        </span>
        <button className="font-semibold text-white underline" onClick={onShowAll}>
          Show all
        </button>
      </span>
    );
  if (state.mode === "replay" && !catchingUp(state) && state.events.length > 0)
    return (
      <span className="flex flex-wrap items-center gap-2 text-xs text-white/70">
        Recorded run
        <button className="font-semibold text-white underline" onClick={onReplay}>
          Replay it
        </button>
      </span>
    );
  return null;
}

export function JobStatus({
  job,
  state,
  team,
  now,
  onShowAll,
  onReplay,
}: {
  job: Job;
  state: JobEventsState;
  team: TeamState;
  now: number;
  onShowAll: () => void;
  onReplay: () => void;
}) {
  const start = Date.parse(job.started_at ?? job.created_at);
  const end = job.completed_at ? Date.parse(job.completed_at) : null;
  const elapsed = end ? end - start : now - start;
  const active = AGENTS.filter((a) => team[a].status === "working").length;
  const done = AGENTS.filter((a) => team[a].status === "done").length;
  const tone = job.status === "completed" ? "good" : job.status === "failed" ? "bad" : "ai";
  const retry = latestAttempt(state.events);
  const attempt = Math.max(job.attempts, retry?.attempt ?? 0);
  return (
    <div
      className="flex flex-wrap items-center gap-x-6 gap-y-2 rounded-2xl bg-ink px-5 py-4 text-white"
      data-testid="job-status"
      data-job-status={job.status}
      data-mode={replaying(state) ? "replay" : state.mode}
    >
      <div className="flex items-center gap-2">
        {(job.status === "running" || job.status === "pending") && (
          <span className="pulse-dot h-2.5 w-2.5 rounded-full bg-accent text-accent" />
        )}
        <Badge tone={tone}>{job.status}</Badge>
        {attempt > 1 && (
          <Badge tone="accent">
            <span data-testid="job-attempt">
              Attempt {attempt}
              {retry?.maxAttempts ? ` of ${retry.maxAttempts}` : ""}
            </span>
          </Badge>
        )}
      </div>
      <Figure label="Elapsed">
        <span data-testid="elapsed">{duration(Math.max(0, elapsed))}</span>
      </Figure>
      <Figure label={replaying(state) ? "Working then" : "Working now"}>{active}</Figure>
      <Figure label="Finished">
        {done} / {AGENTS.length}
      </Figure>
      <ModeNote state={state} onShowAll={onShowAll} onReplay={onReplay} />
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

/** Trouble reaching the server: a quiet note while retrying, an error with a button once the
 *  retries are spent. */
export function ConnectionProblem({
  state,
  onRetry,
}: {
  state: JobEventsState;
  onRetry: () => void;
}) {
  if (state.error)
    return (
      <div
        role="alert"
        data-testid="team-error"
        className="mt-3 flex flex-wrap items-center gap-3 rounded-xl border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900"
      >
        <p className="min-w-0 flex-1">
          <strong>Progress stopped updating.</strong> {state.error.message}
        </p>
        <Button size="sm" variant="secondary" onClick={onRetry}>
          Try again
        </Button>
      </div>
    );
  if (state.retrying)
    return (
      <p
        data-testid="team-retrying"
        className="mt-3 rounded-xl border border-amber-200 bg-accent-50 px-4 py-2 text-sm text-amber-900"
      >
        {state.retrying.message} Trying again in {Math.ceil(state.retrying.inMs / 1000)} s (attempt{" "}
        {state.retrying.attempt} of {state.retrying.of}).
      </p>
    );
  return null;
}
