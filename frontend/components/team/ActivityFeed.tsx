// The job's timeline, newest first. A retry is a divider that says which attempt began and why,
// so the second attempt's "started" events are not mistaken for the first's.
import { attemptStart, PERSONAS, type AgentEvent, type AgentId } from "@/lib/team";

const SHOWN = 60;

/** The server's reason ("the previous attempt failed (…)") as a sentence of its own. */
function sentence(text: string): string {
  const t = text.trim();
  const s = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

export function ActivityFeed({ events, jobStart }: { events: AgentEvent[]; jobStart: number }) {
  const list = [...events].reverse().slice(0, SHOWN);
  return (
    <ol
      className="max-h-[420px] space-y-2 overflow-y-auto pr-1 text-sm"
      data-testid="activity-feed"
    >
      {list.map((e) => {
        const retry = attemptStart(e);
        if (retry)
          return (
            <li
              key={e.seq}
              role="separator"
              data-testid="attempt-divider"
              className="animate-slide-in my-3 rounded-lg border border-amber-200 bg-accent-50 px-3 py-2 text-xs text-amber-900"
            >
              <p className="font-bold uppercase tracking-wider">
                Attempt {retry.attempt}
                {retry.maxAttempts ? ` of ${retry.maxAttempts}` : ""}
              </p>
              <p className="mt-0.5">
                {retry.reason
                  ? sentence(retry.reason)
                  : "The previous attempt stopped; the analysis started again."}
              </p>
            </li>
          );
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
            <p className="min-w-0 flex-1 break-words">
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
