import { Card } from "@/components/ui";
import { changesView, type JobChanges, type Tone } from "@/lib/changes";
import { useApi } from "@/lib/useApi";

const TONE_TEXT: Record<Tone, string> = {
  good: "text-good",
  bad: "text-bad",
  neutral: "text-slate-500",
};

/** "What changed" since the previous analysis: the figures before and after, and the moves
 *  behind them in plain sentences. Fits a phone (each figure wraps under its name) and prints
 *  with the overview. */
export function WhatChanged({ jobId }: { jobId: string }) {
  const changes = useApi<JobChanges>(`/api/jobs/${jobId}/changes`);
  if (changes.error)
    return (
      <Card title="What changed">
        <p className="text-sm text-bad" data-testid="what-changed-error">
          What changed since your previous analysis could not be loaded: {changes.error.message}
        </p>
      </Card>
    );
  if (!changes.data) return null;
  const view = changesView(changes.data);
  if (!view) return null;
  return (
    <Card title="What changed" className="break-inside-avoid">
      <div
        className="space-y-4 text-sm"
        data-testid="what-changed"
        data-status={changes.data.status}
      >
        <p className="text-slate-600">{view.intro}</p>
        {view.figures.length > 0 && (
          <dl className="divide-y divide-slate-100" data-testid="what-changed-figures">
            {view.figures.map((f) => (
              <div
                key={f.key}
                className="flex flex-wrap items-baseline justify-between gap-x-3 py-1.5"
                data-figure={f.key}
              >
                <dt className="text-slate-600">{f.name}</dt>
                <dd className="num flex flex-wrap items-baseline justify-end gap-x-2 text-ink">
                  <span>
                    {f.before} → <span className="font-semibold">{f.after}</span>
                  </span>
                  <span
                    className={`whitespace-nowrap text-xs ${TONE_TEXT[f.tone]}`}
                    data-tone={f.tone}
                  >
                    {f.change}
                  </span>
                </dd>
              </div>
            ))}
          </dl>
        )}
        {view.reasons.length > 0 && (
          <div>
            <p className="mb-1 text-xs font-bold uppercase tracking-[0.14em] text-slate-500">Why</p>
            <ul className="list-disc space-y-1 pl-5 text-ink" data-testid="what-changed-reasons">
              {view.reasons.map((r, i) => (
                <li key={i}>{r}</li>
              ))}
            </ul>
          </div>
        )}
        {view.note && (
          <p className="text-xs text-slate-500" data-testid="what-changed-note">
            {view.note}
          </p>
        )}
      </div>
    </Card>
  );
}
