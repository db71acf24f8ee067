import { useId } from "react";
import { Button, SelectField, TextField } from "@/components/ui";
import { label as vocabulary, money } from "@/lib/format";
import {
  addSocialSecurity,
  ALLOCATION_BASES,
  CLAIM_AGES,
  MAX_INCOME_STREAMS,
  MAX_YEARS_TO_RETIREMENT,
  removeStream,
  RETURN_MODELS,
  updateStream,
  WITHDRAWAL_RULES,
  type ControlErrors,
  type WhatIfDraft,
} from "@/lib/retirement";

/** The what-if's settings. Every change goes straight to `onChange`; the panel recalculates. */
export function WhatIfControls({
  draft,
  currentAge,
  errors,
  onChange,
}: {
  draft: WhatIfDraft;
  currentAge: number;
  errors: ControlErrors;
  onChange: (next: WhatIfDraft) => void;
}) {
  const set = (patch: Partial<WhatIfDraft>) => onChange({ ...draft, ...patch });
  const rule = WITHDRAWAL_RULES.find((r) => r.value === draft.withdrawalRule);
  const socialSecurity = draft.streams
    .map((s, index) => ({ s, index }))
    .filter(({ s }) => s.kind === "social_security");
  const others = draft.streams.filter((s) => s.kind !== "social_security");
  const taxesId = useId();

  return (
    <div className="space-y-4" data-testid="whatif-controls">
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-1 xl:grid-cols-2">
        <TextField
          label="Age to retire"
          type="number"
          inputMode="numeric"
          min={currentAge}
          max={currentAge + MAX_YEARS_TO_RETIREMENT}
          step={1}
          value={draft.retireAge}
          onChange={(e) => set({ retireAge: e.target.value })}
          error={errors.retireAge}
          hint={`You are ${currentAge} now`}
          data-testid="whatif-retire-age"
        />
        <TextField
          label="Yearly contribution"
          type="number"
          inputMode="decimal"
          min={0}
          step="any"
          prefix="$"
          value={draft.contribution}
          onChange={(e) => set({ contribution: e.target.value })}
          error={errors.contribution}
          hint="Saved each year until you retire"
          data-testid="whatif-contribution"
        />
        <TextField
          className="sm:col-span-2 lg:col-span-1 xl:col-span-2"
          label="Income target"
          type="number"
          inputMode="decimal"
          min={0}
          step="any"
          prefix="$"
          value={draft.income}
          onChange={(e) => set({ income: e.target.value })}
          error={errors.income}
          hint="A year in retirement, after tax, in today's money"
          data-testid="whatif-income"
        />
      </div>

      <fieldset className="rounded-xl border border-slate-200 p-3" data-testid="whatif-ss">
        <legend className="px-1 text-xs font-bold text-ink">Social Security</legend>
        {socialSecurity.length === 0 && <p className="text-xs text-slate-500">None counted yet.</p>}
        <ul className="space-y-3">
          {socialSecurity.map(({ s, index }, n) => (
            <li
              key={index}
              className="grid grid-cols-[minmax(0,1fr)_6rem] items-start gap-2"
              data-testid={`whatif-ss-${n}`}
              aria-label={`Social Security ${n + 1}`}
            >
              <TextField
                label="Amount a year"
                type="number"
                inputMode="decimal"
                min={0}
                step="any"
                prefix="$"
                value={s.amount}
                onChange={(e) => onChange(updateStream(draft, index, { amount: e.target.value }))}
                error={errors[`stream.${index}.amount`]}
                data-testid="whatif-ss-amount"
              />
              <SelectField
                label="Claiming age"
                value={s.startAge}
                onChange={(e) => onChange(updateStream(draft, index, { startAge: e.target.value }))}
                error={errors[`stream.${index}.startAge`]}
                data-testid="whatif-ss-age"
              >
                {!CLAIM_AGES.includes(Number(s.startAge)) && (
                  <option value={s.startAge}>{s.startAge}</option>
                )}
                {CLAIM_AGES.map((a) => (
                  <option key={a} value={String(a)}>
                    {a}
                  </option>
                ))}
              </SelectField>
              <Button
                type="button"
                variant="ghost"
                size="sm"
                className="col-span-2 justify-self-start !px-1.5 text-bad"
                onClick={() => onChange(removeStream(draft, index))}
                aria-label={`Remove Social Security ${n + 1}`}
                data-testid="whatif-ss-remove"
              >
                Remove
              </Button>
            </li>
          ))}
        </ul>
        <p className="mt-2 text-xs text-slate-500">
          The yearly benefit at the claiming age, in today&apos;s money, raised with inflation.
        </p>
        {errors.streams && (
          <p role="alert" className="mt-1 text-xs font-medium text-bad">
            {errors.streams}
          </p>
        )}
        <Button
          type="button"
          variant="secondary"
          size="sm"
          className="mt-2"
          disabled={draft.streams.length >= MAX_INCOME_STREAMS}
          onClick={() => onChange(addSocialSecurity(draft))}
          data-testid="whatif-ss-add"
        >
          + Add Social Security
        </Button>
        {others.length > 0 && (
          <p className="mt-2 text-xs text-slate-500" data-testid="whatif-other-income">
            Also counted, as saved:{" "}
            {others
              .map(
                (o) =>
                  `${vocabulary(o.kind).toLowerCase()} of ${money(o.amount)} from ${o.startAge}`,
              )
              .join("; ")}
            .
          </p>
        )}
      </fieldset>

      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-1 xl:grid-cols-2">
        <div className="min-w-0 xl:col-span-2">
          <SelectField
            label="Withdrawal rule"
            value={draft.withdrawalRule}
            onChange={(e) =>
              set({ withdrawalRule: e.target.value as WhatIfDraft["withdrawalRule"] })
            }
            error={errors.withdrawalRule}
            data-testid="whatif-rule"
          >
            {WITHDRAWAL_RULES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </SelectField>
          {rule && !errors.withdrawalRule && (
            <p className="mt-1 text-xs text-slate-500">{rule.hint}</p>
          )}
        </div>
        <SelectField
          className="xl:col-span-2"
          label="Return model"
          value={draft.returnModel}
          onChange={(e) => set({ returnModel: e.target.value as WhatIfDraft["returnModel"] })}
          error={errors.returnModel}
          data-testid="whatif-model"
        >
          {RETURN_MODELS.map((m) => (
            <option key={m.value} value={m.value}>
              {m.label}
            </option>
          ))}
        </SelectField>
        <TextField
          label="Success goal"
          type="number"
          inputMode="decimal"
          min={1}
          max={99}
          step="any"
          suffix="%"
          value={draft.successGoal}
          onChange={(e) => set({ successGoal: e.target.value })}
          error={errors.successGoal}
          hint="The chance of lasting you want"
          data-testid="whatif-goal"
        />
        <SelectField
          label="Allocation"
          value={draft.allocationBasis}
          onChange={(e) =>
            set({ allocationBasis: e.target.value as WhatIfDraft["allocationBasis"] })
          }
          error={errors.allocationBasis}
          data-testid="whatif-allocation"
        >
          {ALLOCATION_BASES.map((a) => (
            <option key={a.value} value={a.value}>
              {a.label}
            </option>
          ))}
        </SelectField>
      </div>

      <div>
        <div className="flex items-start gap-2">
          <input
            id={taxesId}
            type="checkbox"
            className="mt-0.5 h-4 w-4 rounded border-slate-300 text-brand focus:ring-brand"
            checked={draft.taxes}
            onChange={(e) => set({ taxes: e.target.checked })}
            aria-invalid={errors.taxes ? true : undefined}
            data-testid="whatif-taxes"
          />
          <label htmlFor={taxesId} className="text-sm text-ink">
            Model taxes by account type
            <span className="block text-xs text-slate-500">
              Off: withdrawals are not taxed (one pot).
            </span>
          </label>
        </div>
        {errors.taxes && (
          <p role="alert" className="mt-1 text-xs font-medium text-bad">
            {errors.taxes}
          </p>
        )}
      </div>
    </div>
  );
}
