import { useEffect, useState } from "react";
import { useToast } from "@/components/Toast";
import { Button, ButtonLink, Card, Skeleton, Spinner } from "@/components/ui";
import { api, ApiError } from "@/lib/api";
import {
  buildWhatIf,
  draftFromUser,
  errorsByControl,
  isChanged,
  saveBody,
  sameRequest,
  type WhatIfDraft,
} from "@/lib/retirement";
import type { User } from "@/lib/types";
import { useApi } from "@/lib/useApi";
import { useRecalculator } from "./useRecalculator";
import { WhatIfControls } from "./WhatIfControls";
import { WhatIfResults } from "./WhatIfResults";

/** The live what-if on the Retirement tab: opened on request (each answer is a full Monte
 *  Carlo on the server), seeded from the stored profile and plan. */
export function WhatIfPanel() {
  const [open, setOpen] = useState(false);
  const user = useApi<User>(open ? "/api/user" : null);
  let body;
  if (!open)
    body = (
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="max-w-xl text-sm text-slate-600">
          Change when you retire, what you save, your income target, Social Security, the withdrawal
          rule or the return model, and see the projection recalculated as you go.
        </p>
        <Button onClick={() => setOpen(true)} data-testid="whatif-open">
          Try changes
        </Button>
      </div>
    );
  else if (user.error)
    body = (
      <div role="alert" className="flex flex-wrap items-center gap-3 text-sm text-bad">
        {user.error.message}
        <Button variant="secondary" size="sm" onClick={() => void user.reload()}>
          Try again
        </Button>
      </div>
    );
  else if (!user.data)
    body = (
      <div className="space-y-3" role="status" aria-label="Loading your plan">
        <Skeleton className="h-10 w-full" />
        <Skeleton className="h-48 w-full" />
      </div>
    );
  else body = <WhatIfEditor user={user.data} onSaved={user.setData} />;
  return (
    <Card
      id="what-if"
      title="Try a what-if"
      subtitle="Starts from your saved profile and plan; nothing changes until you save."
      className="print:hidden"
    >
      {body}
    </Card>
  );
}

function WhatIfEditor({ user, onSaved }: { user: User; onSaved: (u: User) => void }) {
  const toast = useToast();
  const [recalc, state] = useRecalculator();
  const [draft, setDraft] = useState<WhatIfDraft>(() => draftFromUser(user));
  const [first] = useState(() => buildWhatIf(draftFromUser(user), user));
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (first.ok) recalc.request(first.request, { immediate: true });
  }, [recalc, first]);

  const built = buildWhatIf(draft, user);
  const errors = built.ok
    ? { ...errorsByControl(state.error), ...errorsByControl(saveError) }
    : built.errors;
  const current = built.ok && sameRequest(state.answered, built.request);
  const changed = isChanged(draft, user);
  const canSave = changed && current && !state.pending && !state.error && !saving;

  const change = (next: WhatIfDraft) => {
    setDraft(next);
    setSaved(false);
    setSaveError(null);
    const b = buildWhatIf(next, user);
    if (b.ok) recalc.request(b.request);
    else recalc.cancel();
  };

  const reset = () => {
    const fresh = draftFromUser(user);
    setDraft(fresh);
    setSaved(false);
    setSaveError(null);
    const b = buildWhatIf(fresh, user);
    if (b.ok) recalc.request(b.request, { immediate: true });
    else recalc.cancel();
  };

  const retry = () => {
    if (built.ok) recalc.request(built.request, { immediate: true });
  };

  const save = async () => {
    const body = saveBody(draft, user);
    if (!body) return;
    setSaving(true);
    setSaveError(null);
    try {
      const fresh = await api<User>("/api/user", { method: "PUT", body });
      onSaved(fresh);
      setSaved(true);
      toast.success("Saved as your plan: your next analysis uses it.");
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, String(e));
      setSaveError(err);
      toast.error(err.message);
    } finally {
      setSaving(false);
    }
  };

  const status = state.pending
    ? state.outlook
      ? "recalculating"
      : "loading"
    : !built.ok
      ? "invalid"
      : state.error
        ? "error"
        : state.outlook
          ? "ready"
          : "idle";

  return (
    <div
      className="grid gap-6 lg:grid-cols-[minmax(0,340px)_minmax(0,1fr)]"
      data-testid="whatif"
      data-state={status}
      data-version={state.version}
    >
      <div className="min-w-0 space-y-4">
        <WhatIfControls
          draft={draft}
          currentAge={user.current_age}
          errors={errors}
          onChange={change}
        />
        <div className="space-y-2 border-t border-slate-100 pt-4">
          <div className="flex flex-wrap gap-2">
            <Button
              onClick={() => void save()}
              busy={saving}
              disabled={!canSave}
              data-testid="whatif-save"
            >
              Save as my plan
            </Button>
            <Button
              variant="secondary"
              onClick={reset}
              disabled={!changed || saving}
              data-testid="whatif-reset"
            >
              Reset
            </Button>
          </div>
          <p className="text-xs text-slate-500">A saved plan is what your next analysis uses.</p>
          {saved && (
            <p className="text-sm font-medium text-good" role="status" data-testid="whatif-saved">
              Saved as your plan.{" "}
              <ButtonLink href="/team/" variant="ghost" size="sm" className="!px-1 text-brand-600">
                Run a new analysis
              </ButtonLink>
            </p>
          )}
        </div>
      </div>

      <div className="min-w-0 space-y-3">
        <div
          className="flex min-h-5 items-center gap-2 text-xs text-slate-500"
          role="status"
          aria-live="polite"
          data-testid="whatif-status"
        >
          {state.pending ? (
            <>
              <Spinner className="h-3.5 w-3.5" />
              Recalculating…
            </>
          ) : !built.ok ? (
            "Fix the highlighted setting to recalculate."
          ) : state.outlook && current ? (
            "Figures for the settings shown."
          ) : null}
        </div>
        {errors.general && (
          <div
            role="alert"
            className="flex flex-wrap items-center gap-2 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-bad"
            data-testid="whatif-error"
          >
            {errors.general}
            {state.error && built.ok && (
              <Button variant="secondary" size="sm" onClick={retry}>
                Try again
              </Button>
            )}
          </div>
        )}
        {state.outlook ? (
          <div
            className={`transition-opacity ${state.pending || !current ? "opacity-60" : ""}`}
            aria-busy={state.pending || undefined}
          >
            <WhatIfResults outlook={state.outlook} />
          </div>
        ) : state.pending ? (
          <div className="space-y-3" aria-hidden>
            <div className="grid grid-cols-2 gap-3 xl:grid-cols-3">
              {[0, 1, 2, 3, 4].map((i) => (
                <Skeleton key={i} className="h-20" />
              ))}
            </div>
            <Skeleton className="h-64" />
          </div>
        ) : (
          <p className="rounded-lg border border-dashed border-slate-200 p-6 text-center text-sm text-slate-500">
            {built.ok
              ? "No figures yet: the projection could not be calculated."
              : "Fix the highlighted setting to see your figures."}
          </p>
        )}
      </div>
    </div>
  );
}
