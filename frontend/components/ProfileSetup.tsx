import { useState, type FormEvent } from "react";
import { AllocationEditor } from "@/components/ProfileForm";
import { useToast } from "@/components/Toast";
import { Button, Card, TextField } from "@/components/ui";
import { api, ApiError } from "@/lib/api";
import { ASSET_CLASSES, REGIONS } from "@/lib/allocation";
import {
  ASSET_SUGGESTIONS,
  initialForm,
  REGION_SUGGESTIONS,
  setupErrors,
  suggestedAssetMix,
  toUpdate,
  weightsOf,
  yearsToGo,
  type SetupForm,
  type Suggestion,
} from "@/lib/profileSetup";
import type { User } from "@/lib/types";

function Suggestions({
  legend,
  options,
  recommended,
  onPick,
  testId,
}: {
  legend: string;
  options: readonly Suggestion[];
  recommended?: string;
  onPick: (s: Suggestion) => void;
  testId: string;
}) {
  return (
    <div className="mb-3" data-testid={testId}>
      <p className="mb-1.5 text-xs font-semibold text-ink-700">{legend}</p>
      <div className="flex flex-wrap gap-2">
        {options.map((s) => (
          <button
            key={s.id}
            type="button"
            title={s.note}
            onClick={() => onPick(s)}
            className={`rounded-lg border px-3 py-1.5 text-left text-xs transition hover:border-brand ${s.id === recommended ? "border-brand bg-brand-50" : "border-slate-300 bg-white"}`}
          >
            <span className="block font-semibold text-ink">
              {s.name}
              {s.id === recommended && <span className="ml-1 text-brand-600">· suggested</span>}
            </span>
            <span className="block text-slate-500">{s.note}</span>
          </button>
        ))}
      </div>
    </div>
  );
}

/** The first-run step: until it is saved the app shows no figure about the user's plan. */
export function ProfileSetup({ user, onDone }: { user: User; onDone: (u: User) => void }) {
  const toast = useToast();
  const [form, setForm] = useState<SetupForm>(() => initialForm(user));
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const set = (patch: Partial<SetupForm>) => setForm((f) => ({ ...f, ...patch }));

  const errors = setupErrors(form);
  const years = yearsToGo(form);
  const recommended = suggestedAssetMix(years);
  // Field messages once the user tried to save (an empty form is not an error yet).
  const shown = (k: keyof SetupForm) =>
    serverError?.fieldMessage(
      {
        name: "display_name",
        age: "current_age",
        retirementAge: "years_until_retirement",
        income: "target_retirement_income",
        contribution: "annual_contribution",
        assets: "asset_class_targets",
        regions: "region_targets",
      }[k],
    ) ?? (touched ? errors[k] : undefined);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(errors).length) return;
    setBusy(true);
    setServerError(null);
    try {
      const saved = await api<User>("/api/user", { method: "PUT", body: toUpdate(form) });
      toast.success("Profile saved");
      onDone(saved);
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : new ApiError(0, String(err));
      setServerError(apiErr);
      toast.error(apiErr.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card
      title="Set up your plan"
      subtitle="A few figures about you: Alex uses them for drift, rebalancing and the retirement projection."
    >
      <form
        onSubmit={submit}
        className="space-y-6"
        aria-label="Profile setup"
        data-testid="profile-setup"
        noValidate
      >
        <p className="text-sm text-slate-600">
          Nothing here is filled in for you except the target mixes, which are suggestions to change
          as you like. Until you save, Alex shows nothing about your retirement.
        </p>
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-5">
          <TextField
            label="Your name"
            name="display_name"
            value={form.name}
            onChange={(e) => set({ name: e.target.value })}
            error={shown("name")}
          />
          <TextField
            label="Current age"
            name="current_age"
            type="number"
            inputMode="numeric"
            min={16}
            max={100}
            placeholder="e.g. 35"
            value={form.age}
            onChange={(e) => set({ age: e.target.value })}
            error={shown("age")}
          />
          <TextField
            label="Retirement age"
            name="retirement_age"
            type="number"
            inputMode="numeric"
            placeholder="e.g. 65"
            value={form.retirementAge}
            onChange={(e) => set({ retirementAge: e.target.value })}
            error={shown("retirementAge")}
            hint={years !== null ? `${years} year${years === 1 ? "" : "s"} from now` : undefined}
          />
          <TextField
            label="Retirement income"
            name="target_retirement_income"
            type="number"
            inputMode="decimal"
            min={0}
            step="any"
            prefix="$"
            placeholder="e.g. 60000"
            value={form.income}
            onChange={(e) => set({ income: e.target.value })}
            error={shown("income")}
            hint="Per year, in today's money"
          />
          <TextField
            label="Saving per year"
            name="annual_contribution"
            type="number"
            inputMode="decimal"
            min={0}
            step="any"
            prefix="$"
            placeholder="e.g. 10000"
            value={form.contribution}
            onChange={(e) => set({ contribution: e.target.value })}
            error={shown("contribution")}
            hint="Added to your accounts each year"
          />
        </div>
        <div>
          <Suggestions
            legend="Suggested target mixes (three-fund style)"
            options={ASSET_SUGGESTIONS}
            recommended={recommended.id}
            onPick={(s) => set({ assets: weightsOf(s, ASSET_CLASSES) })}
            testId="asset-suggestions"
          />
          <AllocationEditor
            legend="Target asset allocation"
            keys={ASSET_CLASSES}
            value={form.assets}
            onChange={(assets) => set({ assets })}
            serverError={serverError?.fieldMessage("asset_class_targets")}
            testId="setup-asset-targets"
          />
        </div>
        <div>
          <Suggestions
            legend="Suggested regions"
            options={REGION_SUGGESTIONS}
            onPick={(s) => set({ regions: weightsOf(s, REGIONS) })}
            testId="region-suggestions"
          />
          <AllocationEditor
            legend="Target regions"
            keys={REGIONS}
            value={form.regions}
            onChange={(regions) => set({ regions })}
            serverError={serverError?.fieldMessage("region_targets")}
            testId="setup-region-targets"
          />
        </div>
        <div className="flex flex-wrap items-center justify-end gap-3">
          {touched && Object.keys(errors).length > 0 && (
            <span className="text-xs text-bad">Fix the highlighted fields to continue.</span>
          )}
          <Button type="submit" busy={busy}>
            Save and continue
          </Button>
        </div>
      </form>
    </Card>
  );
}
