import { FanChart } from "@/components/charts";
import { Badge, Stat } from "@/components/ui";
import { pct, pts } from "@/lib/format";
import { headline, leverEffect, type ModelOutcome, type RetirementOutlook } from "@/lib/retirement";

const TONE_TEXT = { good: "text-good", bad: "text-bad", neutral: "text-slate-500" } as const;

/** Success under one model, "—" with the server's reason when the model cannot run the plan. */
function ModelSuccess({ m }: { m: ModelOutcome }) {
  if (m.success_pct === null) return <span className="text-slate-500">—</span>;
  return (
    <>
      {pct(m.success_pct)}{" "}
      {m.standard_error_pct !== null && m.standard_error_pct !== undefined && (
        <span className="text-xs font-normal text-slate-500">
          ± {pts(m.standard_error_pct, 1, { signed: false })}
        </span>
      )}
    </>
  );
}

/** Every figure of one what-if answer, as the server sent it. */
export function WhatIfResults({ outlook }: { outlook: RetirementOutlook }) {
  const p = outlook.projection;
  const h = headline(outlook);
  const bands = p.wealth_bands_real;
  const end = bands[bands.length - 1];
  const byModel = outlook.by_model ?? [];
  const allocations = outlook.allocations ?? [];
  const levers = outlook.levers ?? [];
  return (
    <div className="space-y-5">
      <div className="grid grid-cols-2 gap-3 xl:grid-cols-3">
        <Stat
          label="Chance it lasts"
          value={<span data-testid="whatif-success">{h.success}</span>}
          hint={
            <>
              <span data-testid="whatif-success-error">± {h.successError}</span> · goal {h.goal}
            </>
          }
          accent="#16a34a"
        />
        <Stat
          label="Sustainable income"
          value={<span data-testid="whatif-sustainable-income">{h.sustainableIncome}</span>}
          hint={
            h.sustainableRange ? (
              <>
                a year; 95% range{" "}
                <span className="whitespace-nowrap" data-testid="whatif-sustainable-range">
                  {h.sustainableRange}
                </span>
              </>
            ) : (
              "a year, today's money"
            )
          }
          accent="#FFB707"
        />
        <Stat
          label={`Median at ${h.planningAge}`}
          value={<span data-testid="whatif-median-end">{h.medianEnd}</span>}
          hint="today's money"
          accent="#209DD7"
        />
        <Stat
          label={`10th percentile at ${h.planningAge}`}
          value={<span data-testid="whatif-p10-end">{h.p10End}</span>}
          hint="today's money: 1 path in 10 ends lower"
          accent="#062147"
        />
        <Stat
          label="Money runs out"
          value={<span data-testid="whatif-depletion">{h.depletion}</span>}
          hint={
            h.depletionAge !== null ? (
              <>
                of paths, median age{" "}
                <span data-testid="whatif-depletion-age">{h.depletionAge}</span>
              </>
            ) : (
              "of paths"
            )
          }
          accent="#dc2626"
        />
      </div>

      <figure
        className="min-w-0"
        data-testid="whatif-fan"
        data-retirement-age={p.retirement_age}
        data-points={bands.length}
        data-end-p50={end?.p50}
        data-end-p10={end?.p10}
      >
        <figcaption className="mb-2 text-sm font-semibold text-ink">
          Projected wealth{" "}
          <span className="font-normal text-slate-500">
            — percentile bands across simulated markets, today&apos;s money
          </span>
        </figcaption>
        <FanChart
          points={bands}
          marker={{ value: p.retirement_age, label: "Retirement" }}
          height={280}
        />
      </figure>

      <div className="grid gap-5 md:grid-cols-2">
        <section aria-labelledby="whatif-by-model-title" className="min-w-0">
          <h3 id="whatif-by-model-title" className="mb-2 text-sm font-bold text-ink">
            Success by return model
          </h3>
          <ul className="grid grid-cols-2 gap-2" data-testid="whatif-by-model">
            {byModel.map((m) => {
              const current = m.model === p.inputs.return_model;
              return (
                <li
                  key={m.model}
                  data-model={m.model}
                  data-current={current || undefined}
                  className={`min-w-0 rounded-xl border p-3 ${current ? "border-brand bg-brand-50/40" : "border-slate-200"}`}
                >
                  <p className="text-xs font-semibold text-slate-600">{m.label}</p>
                  <p className="num mt-1 text-lg font-bold text-ink" data-testid="model-success">
                    <ModelSuccess m={m} />
                  </p>
                  {current && <Badge tone="brand">in use</Badge>}
                  {m.note && <p className="mt-1 text-xs text-slate-500">{m.note}</p>}
                </li>
              );
            })}
          </ul>
        </section>
        <section aria-labelledby="whatif-allocations-title" className="min-w-0">
          <h3 id="whatif-allocations-title" className="mb-2 text-sm font-bold text-ink">
            As held vs at your targets
          </h3>
          <ul className="grid grid-cols-2 gap-2" data-testid="whatif-allocations">
            {allocations.map((a) => (
              <li
                key={a.basis}
                data-basis={a.basis}
                data-selected={a.selected || undefined}
                className={`min-w-0 rounded-xl border p-3 ${a.selected ? "border-brand bg-brand-50/40" : "border-slate-200"}`}
              >
                <p className="text-xs font-semibold text-slate-600">{a.label}</p>
                <p className="num mt-1 text-lg font-bold text-ink" data-testid="allocation-success">
                  {pct(a.success_pct)}
                </p>
                <p className="text-xs text-slate-500">
                  {pct(a.expected_return_pct)} a year expected, {pct(a.volatility_pct)} volatility
                </p>
                {a.selected && <Badge tone="brand">in use</Badge>}
              </li>
            ))}
          </ul>
          {allocations.length < 2 && (
            <p className="mt-2 text-xs text-slate-500">
              Only one allocation to compare: nothing is held yet.
            </p>
          )}
        </section>
      </div>

      {levers.length > 0 && (
        <section aria-labelledby="whatif-levers-title">
          <h3 id="whatif-levers-title" className="mb-2 text-sm font-bold text-ink">
            What would help most
          </h3>
          <ol className="space-y-1.5" data-testid="whatif-levers">
            {levers.map((lever, i) => {
              const effect = leverEffect(lever);
              return (
                <li
                  key={lever.key}
                  data-lever={lever.key}
                  className="flex items-baseline justify-between gap-3 rounded-lg border border-slate-100 px-3 py-2 text-sm"
                >
                  <span className="min-w-0">
                    <span className="mr-2 text-xs font-bold text-slate-400">{i + 1}.</span>
                    <span data-testid="lever-label">{lever.label}</span>
                  </span>
                  <span
                    className={`num shrink-0 text-right text-xs font-semibold ${TONE_TEXT[effect.tone]}`}
                    data-testid="lever-change"
                    data-tone={effect.tone}
                  >
                    {effect.text}
                  </span>
                </li>
              );
            })}
          </ol>
          <p className="mt-2 text-xs text-slate-500">
            Each change is simulated on the same market paths as your plan, so its effect is the
            change alone.
          </p>
        </section>
      )}
    </div>
  );
}
