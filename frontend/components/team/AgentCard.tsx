// One agent's card, driven by the events applied to it, and the connector between stages.
import { Badge } from "@/components/ui";
import { duration } from "@/lib/format";
import { agentDuration, PERSONAS, type AgentId, type AgentState } from "@/lib/team";

const STATUS_TEXT: Record<AgentState["status"], string> = {
  waiting: "Waiting",
  working: "Working",
  done: "Done",
  failed: "Failed",
  skipped: "Not needed",
};

export function AgentCard({
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
export function Connector({ active, branches }: { active: boolean; branches: number }) {
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
