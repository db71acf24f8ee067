import Link from "next/link";
import { useRouter } from "next/router";
import { useEffect, useMemo, useRef, useState } from "react";
import { Layout, PageHeader } from "@/components/Layout";
import { ActivityFeed } from "@/components/team/ActivityFeed";
import { AgentCard, Connector } from "@/components/team/AgentCard";
import { ConnectionProblem, JobStatus } from "@/components/team/JobStatus";
import { PastAnalyses } from "@/components/team/PastAnalyses";
import { useToast } from "@/components/Toast";
import { Button, ButtonLink, Card, EmptyState, Skeleton } from "@/components/ui";
import { api, ApiError } from "@/lib/api";
import { cardsStatus, catchingUp, isFinished, replaying } from "@/lib/jobEvents";
import { applyEvents, initialTeam, settle } from "@/lib/team";
import type { JobCreated, JobSummary, User } from "@/lib/types";
import { useApi } from "@/lib/useApi";
import { useJobEvents } from "@/lib/useJobEvents";

/** After a run started on this page ends, the page moves on to its report after this pause
 *  (long enough to see every card done). */
const FLIP_MS = 1800;

export default function TeamPage() {
  const router = useRouter();
  const toast = useToast();
  const jobs = useApi<JobSummary[]>("/api/jobs");
  const user = useApi<User>("/api/user");
  // An analysis of placeholder figures (a new profile's age 40, …) would read as the user's.
  const needsProfile = !!user.data && !user.data.profile_completed_at;
  const [starting, setStarting] = useState(false);
  // The job started from this page: when it ends the page opens its report.
  const [startedHere, setStartedHere] = useState<string | null>(null);

  // Which job: ?job=… or else one still in progress.
  const queryJob = router.isReady && typeof router.query.job === "string" ? router.query.job : null;
  const inProgress = jobs.data?.find((j) => j.status === "pending" || j.status === "running");
  const jobId = queryJob ?? inProgress?.id ?? null;
  const feed = useJobEvents(jobId);
  const job = feed.job?.id === jobId ? feed.job : null;

  const visible = useMemo(() => feed.events.slice(0, feed.revealed), [feed.events, feed.revealed]);
  const cardsAt = cardsStatus(feed);
  const team = useMemo(
    () => settle(applyEvents(initialTeam(), visible), cardsAt),
    [visible, cardsAt],
  );

  const running = job?.status === "pending" || job?.status === "running";
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const t = window.setInterval(() => setNow(Date.now()), 200);
    return () => window.clearInterval(t);
  }, [running]);

  // The list of past analyses follows the job's status.
  const reloadJobs = jobs.reload;
  const status = job?.status;
  useEffect(() => {
    if (status) void reloadJobs();
  }, [status, reloadJobs]);

  // Once a run we watched has ended and every event is shown: say so once; a run started here
  // goes on to its report. A replay of an old run announces nothing.
  const announced = useRef<string | null>(null);
  const flipTimer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(flipTimer.current), []);
  const watched = !!job && (feed.mode === "live" || job.id === startedHere);
  const ended = !!job && isFinished(job) && !catchingUp(feed);
  useEffect(() => {
    if (!job || !watched || !ended || announced.current === job.id) return;
    announced.current = job.id;
    const id = job.id;
    if (job.status === "failed") {
      toast.error(job.error_message ?? "The analysis failed");
      return;
    }
    toast.success("Your analysis is ready");
    if (id === startedHere)
      flipTimer.current = window.setTimeout(
        () => void router.push(`/analysis/?job=${id}`),
        FLIP_MS,
      );
  }, [job, watched, ended, startedHere, toast, router]);

  const start = async () => {
    setStarting(true);
    try {
      const res = await api<JobCreated>("/api/analyze", { method: "POST" });
      setStartedHere(res.job_id);
      setNow(Date.now());
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
  };

  const view = (id: string) =>
    void router.replace(`/team/?job=${id}`, undefined, { shallow: true });

  const jobStart = job ? Date.parse(job.started_at ?? job.created_at) : now;
  const parallelActive = (["reporter", "charter", "retirement"] as const).some(
    (a) => team[a].status === "working",
  );
  const feedTitle = replaying(feed)
    ? "Replay of the recorded run"
    : feed.mode === "replay"
      ? "Recorded activity"
      : "Live activity";

  let header;
  if (feed.notFound)
    header = (
      <EmptyState
        title="Analysis not found"
        action={<ButtonLink href="/team/">Advisor Team</ButtonLink>}
      >
        There is no analysis {jobId} in your account.
      </EmptyState>
    );
  else if (job)
    header = (
      <JobStatus
        job={job}
        state={feed}
        team={team}
        now={now}
        onShowAll={feed.showAll}
        onReplay={feed.replay}
      />
    );
  else if (jobId && !feed.error) header = <Skeleton className="h-[76px] rounded-2xl" />;
  else if (!jobId)
    header = (
      <div className="rounded-2xl border border-ai/20 bg-gradient-to-r from-ai-50 via-white to-brand-50 px-5 py-4 text-sm text-ink-700">
        Ready when you are. Press <strong className="text-ai">Start analysis</strong>: the Planner
        loads your portfolio, the Tagger classifies anything unknown, then the Reporter, Charter and
        Retirement specialists work <strong>in parallel</strong>.
      </div>
    );

  return (
    <Layout title="Advisor Team">
      <PageHeader
        eyebrow={<span className="text-ai">Advisor Team</span>}
        title="Your AI advisor team"
        subtitle="Five specialist agents review your portfolio. Each card shows what its agent is really doing, from the job's recorded events."
        action={
          <Button
            variant="ai"
            size="lg"
            onClick={() => void start()}
            busy={starting}
            disabled={running || starting || needsProfile}
            aria-describedby={needsProfile ? "needs-profile" : undefined}
            data-testid="start-analysis"
          >
            <span aria-hidden>✦</span> {running ? "Analysis running…" : "Start analysis"}
          </Button>
        }
      />

      {needsProfile && (
        <p
          id="needs-profile"
          data-testid="needs-profile"
          className="mb-4 rounded-xl border border-amber-200 bg-accent-50 px-4 py-2.5 text-sm text-amber-900"
        >
          Your advisor team needs your age, retirement plans and targets first.{" "}
          <Link href="/" className="font-semibold underline">
            Set up your profile
          </Link>
          .
        </p>
      )}
      {header}
      <ConnectionProblem state={feed} onRetry={feed.retry} />

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
          title={feedTitle}
          subtitle={
            visible.length
              ? `${visible.length} of ${feed.events.length} events`
              : "Events appear here as agents work"
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
        <PastAnalyses jobs={jobs.data} loading={jobs.loading} current={jobId} onView={view} />
      </Card>
    </Layout>
  );
}
