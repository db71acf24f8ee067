import { useState, type FormEvent } from "react";
import { useToast } from "@/components/Toast";
import { Button, TextField } from "@/components/ui";
import { api, ApiError } from "@/lib/api";
import {
  allocationError,
  ASSET_CLASSES,
  fromForm,
  REGIONS,
  toForm,
  total,
  type Weights,
} from "@/lib/allocation";
import { label } from "@/lib/format";
import type { User } from "@/lib/types";

export function AllocationEditor({
  legend,
  keys,
  value,
  onChange,
  serverError,
  testId,
}: {
  legend: string;
  keys: readonly string[];
  value: Weights;
  onChange: (w: Weights) => void;
  serverError?: string;
  testId: string;
}) {
  const err = allocationError(value);
  const t = total(value);
  const ok = !err;
  return (
    <fieldset data-testid={testId} className="rounded-xl border border-slate-200 p-4">
      <legend className="px-1 text-sm font-bold text-ink">{legend}</legend>
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
        {keys.map((k) => (
          <TextField
            key={k}
            label={label(k)}
            name={`${testId}-${k}`}
            inputMode="decimal"
            type="number"
            min={0}
            max={100}
            step="any"
            suffix="%"
            value={value[k] ?? ""}
            placeholder="0"
            onChange={(e) => onChange({ ...value, [k]: e.target.value })}
          />
        ))}
      </div>
      <div className="mt-3 flex items-center gap-3">
        <div className="h-2 flex-1 overflow-hidden rounded-full bg-slate-100" aria-hidden>
          <div
            className={`h-full rounded-full transition-all ${ok ? "bg-good" : t > 100 ? "bg-bad" : "bg-accent"}`}
            style={{ width: `${Math.min(100, t)}%` }}
          />
        </div>
        <span className={`num text-xs font-bold ${ok ? "text-good" : "text-bad"}`}>
          {+t.toFixed(2)}%
        </span>
      </div>
      {(err || serverError) && (
        <p
          role="alert"
          className="mt-2 text-xs font-semibold text-bad"
          data-testid={`${testId}-error`}
        >
          {err ?? serverError}
        </p>
      )}
    </fieldset>
  );
}

export function ProfileForm({ user, onSaved }: { user: User; onSaved: (u: User) => void }) {
  const toast = useToast();
  const [name, setName] = useState(user.display_name);
  const [age, setAge] = useState(String(user.current_age));
  const [years, setYears] = useState(String(user.years_until_retirement));
  const [income, setIncome] = useState(String(Number(user.target_retirement_income)));
  const [contrib, setContrib] = useState(String(Number(user.annual_contribution)));
  const [assets, setAssets] = useState<Weights>(toForm(ASSET_CLASSES, user.asset_class_targets));
  const [regions, setRegions] = useState<Weights>(toForm(REGIONS, user.region_targets));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  // The name can change elsewhere (sign-up, another tab's save): show the new one.
  const [shownName, setShownName] = useState(user.display_name);
  if (user.display_name !== shownName) {
    setShownName(user.display_name);
    setName(user.display_name);
  }

  const invalid = !!allocationError(assets) || !!allocationError(regions) || !name.trim();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const body = {
        display_name: name.trim(),
        current_age: Number(age),
        years_until_retirement: Number(years),
        target_retirement_income: Number(income),
        annual_contribution: Number(contrib),
        asset_class_targets: fromForm(assets),
        region_targets: fromForm(regions),
      };
      const saved = await api<User>("/api/user", { method: "PUT", body });
      onSaved(saved);
      toast.success("Profile saved");
    } catch (err) {
      const e2 = err as ApiError;
      setError(e2);
      toast.error(e2.message);
    } finally {
      setBusy(false);
    }
  };

  const fe = (f: string) => error?.fieldMessage?.(f);
  return (
    <form onSubmit={submit} className="space-y-5" aria-label="Profile" data-testid="profile-form">
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-5">
        <TextField
          className="sm:col-span-2 lg:col-span-1"
          label="Display name"
          name="display_name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={fe("display_name") ?? (!name.trim() ? "Required" : null)}
        />
        <TextField
          label="Current age"
          name="current_age"
          type="number"
          min={16}
          max={100}
          value={age}
          onChange={(e) => setAge(e.target.value)}
          error={fe("current_age")}
        />
        <TextField
          label="Years to retirement"
          name="years_until_retirement"
          type="number"
          min={0}
          max={70}
          value={years}
          onChange={(e) => setYears(e.target.value)}
          error={fe("years_until_retirement")}
        />
        <TextField
          label="Target retirement income"
          name="target_retirement_income"
          type="number"
          min={0}
          step="any"
          prefix="$"
          value={income}
          onChange={(e) => setIncome(e.target.value)}
          error={fe("target_retirement_income")}
          hint="Per year, in today's money"
        />
        <TextField
          label="Annual contribution"
          name="annual_contribution"
          type="number"
          min={0}
          step="any"
          prefix="$"
          value={contrib}
          onChange={(e) => setContrib(e.target.value)}
          error={fe("annual_contribution")}
        />
      </div>
      <AllocationEditor
        legend="Target asset allocation"
        keys={ASSET_CLASSES}
        value={assets}
        onChange={setAssets}
        serverError={fe("asset_class_targets")}
        testId="asset-targets"
      />
      <AllocationEditor
        legend="Target regions"
        keys={REGIONS}
        value={regions}
        onChange={setRegions}
        serverError={fe("region_targets")}
        testId="region-targets"
      />
      <div className="flex items-center justify-end gap-3">
        {invalid && (
          <span className="text-xs text-slate-500">Fix the highlighted fields to save.</span>
        )}
        <Button type="submit" busy={busy} disabled={invalid}>
          Save profile
        </Button>
      </div>
    </form>
  );
}
