import Link from "next/link";
import { useRouter } from "next/router";
import { useEffect, useState } from "react";
import { ChartView, FanChart, Gauge } from "@/components/charts";
import { Downloads } from "@/components/analysis/Downloads";
import { CitedReport } from "@/components/analysis/References";
import { Section } from "@/components/analysis/Section";
import { ModelCosts } from "@/components/analysis/ModelCosts";
import { WhatIfPanel } from "@/components/retirement/WhatIfPanel";
import { WhatChanged } from "@/components/analysis/WhatChanged";
import { Layout, PageHeader } from "@/components/Layout";
import { Markdown } from "@/components/Markdown";
import {
  ButtonLink,
  Badge,
  Card,
  EmptyState,
  PageSkeleton,
  SelectField,
  Stat,
  Tabs,
} from "@/components/ui";
import {
  difference,
  groundingClaim,
  scenarioDelta,
  type Delta,
  type Tone,
} from "@/lib/analysisView";
import { dateTime, money, number, pct, pts } from "@/lib/format";
import { priceSourceLabel, shortDate } from "@/lib/holdings";
import {
  dataQualityIssues,
  groundingStatus,
  missingPriceSymbols,
  type Headline,
} from "@/lib/payloads";
import type { Job, JobSummary } from "@/lib/types";
import { useApi } from "@/lib/useApi";

type Tab = "overview" | "charts" | "retirement" | "quality";

const TONE_TEXT: Record<Tone, string> = {
  good: "text-good",
  bad: "text-bad",
  neutral: "text-slate-500",
};

/** A what-if's change from the current plan: green only when it improves things. */
function DeltaNote({ delta }: { delta: Delta | null }) {
  if (!delta) return null;
  return (
    <span
      className={`ml-1 inline-block whitespace-nowrap text-xs ${TONE_TEXT[delta.tone]}`}
      data-tone={delta.tone}
    >
      {delta.text}
    </span>
  );
}

/** The analysis in figures (the planner's headline), read as the report and the CLI say them. */
function KeyFigures({ headline }: { headline: Headline }) {
  const rows: [string, string, string][] = [
    ["total", "Total value", money(headline.total_value)],
    ["invested", "Invested", money(headline.invested)],
    ["cash", "Cash", money(headline.cash)],
    ["drift", "Largest drift", pts(headline.max_drift_pp, 1, { signed: false })],
  ];
  return (
    <Card title="In figures">
      <dl className="space-y-1.5 text-sm" data-testid="key-figures">
        {rows.map(([key, name, value]) => (
          <div key={key} className="flex justify-between gap-3">
            <dt className="text-slate-600">{name}</dt>
            <dd className="num font-semibold text-ink" data-figure={key}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

function ReportBody({ job }: { job: Job }) {
  const router = useRouter();
  const initialTab = (typeof router.query.tab === "string" ? router.query.tab : "overview") as Tab;
  const [tab, setTab] = useState<Tab>(
    ["overview", "charts", "retirement", "quality"].includes(initialTab) ? initialTab : "overview",
  );
  const report = job.report_payload?.markdown || null;
  const charts = job.charts_payload?.charts ?? [];
  const retirement = job.retirement_payload;
  const plan = retirement?.summary ?? null; // the base case's figures
  const bands = retirement?.projection?.wealth_bands_real ?? [];
  const summary = job.summary_payload;
  const dq = summary?.data_quality ?? null;
  const grounding = summary?.grounding ?? null;
  const status = groundingStatus(grounding);
  const claim = groundingClaim(grounding);
  const dqIssues = dataQualityIssues(summary);
  const missingPrices = dq ? missingPriceSymbols(dq) : [];

  return (
    <>
      <div className="mb-4 flex justify-end">
        <Downloads job={job} />
      </div>
      <Tabs
        label="Analysis sections"
        active={tab}
        onChange={setTab}
        tabs={[
          { id: "overview", label: "Overview" },
          { id: "charts", label: "Charts", badge: <Badge tone="brand">{charts.length}</Badge> },
          { id: "retirement", label: "Retirement" },
          {
            id: "quality",
            label: "Data quality",
            badge: dqIssues ? (
              <Badge tone="accent">{dqIssues}</Badge>
            ) : (
              <Badge tone="good">✓</Badge>
            ),
          },
        ]}
      />
      <div className="mt-6 print:mt-0">
        <Section id="overview" active={tab} title="Report">
          <div className="grid gap-6 lg:grid-cols-[1fr_300px]">
            <div className="min-w-0 space-y-6">
              {summary?.executive_summary && (
                <div
                  className="rounded-2xl border border-ai/20 bg-gradient-to-br from-ai-50 to-white p-5"
                  data-testid="executive-summary"
                >
                  <p className="mb-1 text-xs font-bold uppercase tracking-[0.14em] text-ai">
                    Executive summary
                  </p>
                  <p className="text-[15px] leading-relaxed text-ink">
                    {summary.executive_summary}
                  </p>
                </div>
              )}
              <WhatChanged jobId={job.id} />
              <Card>
                {report && job.report_payload ? (
                  <CitedReport report={job.report_payload} />
                ) : (
                  <p className="text-sm text-slate-500">This analysis has no written report.</p>
                )}
              </Card>
            </div>
            <aside className="min-w-0 space-y-4">
              {summary?.headline && <KeyFigures headline={summary.headline} />}
              {plan && (
                // In the Retirement section too: printed once, there.
                <Card className="print:hidden">
                  <Gauge
                    value={plan.success_pct}
                    label="Chance your plan lasts"
                    sublabel={plan.paths ? `${number(plan.paths)} simulated futures` : undefined}
                  />
                </Card>
              )}
              {charts[0] && (
                <Card title={charts[0].title} className="print:hidden">
                  <ChartView spec={charts[0]} height={220} />
                </Card>
              )}
              <Card>
                <p
                  className={`text-xs ${claim.tone === "bad" ? "text-bad" : "text-slate-500"}`}
                  data-testid="grounding-claim"
                  data-grounding={status}
                >
                  {claim.text} See{" "}
                  <button
                    className="font-semibold text-brand-600 hover:underline"
                    onClick={() => setTab("quality")}
                  >
                    Data quality
                  </button>{" "}
                  for coverage and the grounding check.
                </p>
              </Card>
              <ModelCosts summary={summary} />
            </aside>
          </div>
        </Section>
        <Section id="charts" active={tab} title="Charts">
          {charts.length ? (
            <div className="grid gap-6 md:grid-cols-2" data-testid="charts-grid">
              {charts.map((c) => (
                <Card
                  key={c.key}
                  title={c.title}
                  subtitle={c.description}
                  className={`min-w-0 break-inside-avoid ${
                    c.type === "horizontal_bar" && c.data.length > 8 ? "md:col-span-2" : ""
                  }`}
                >
                  <div data-testid="chart" data-chart-type={c.type} data-chart-key={c.key}>
                    <ChartView spec={c} />
                  </div>
                </Card>
              ))}
            </div>
          ) : (
            <EmptyState title="No charts in this analysis">
              The Charter agent did not produce charts for this run.
            </EmptyState>
          )}
        </Section>
        <Section id="retirement" active={tab} title="Retirement">
          {retirement && plan ? (
            <div className="space-y-6" data-testid="retirement">
              <div className="grid gap-4 lg:grid-cols-[280px_1fr]">
                <Card>
                  <Gauge
                    value={plan.success_pct}
                    label="Probability of success"
                    sublabel={[
                      plan.success_standard_error_pct !== null
                        ? `± ${pts(plan.success_standard_error_pct, 1, { signed: false })} sampling error`
                        : null,
                      plan.success_target_pct !== null
                        ? `goal ${pct(plan.success_target_pct, 0)}`
                        : null,
                    ]
                      .filter(Boolean)
                      .join(" · ")}
                  />
                  {plan.success_definition && (
                    <p className="mt-3 text-center text-xs text-slate-500">
                      {plan.success_definition}
                    </p>
                  )}
                </Card>
                <div className="grid grid-cols-2 gap-3 sm:gap-4 xl:grid-cols-3">
                  <Stat
                    label="Sustainable income"
                    value={
                      <span data-testid="sustainable-income">{money(plan.sustainable_income)}</span>
                    }
                    hint={
                      plan.sustainable_income_success_pct !== null
                        ? `a year, succeeds in ${pct(plan.sustainable_income_success_pct, 0)} of paths`
                        : "a year, today's money"
                    }
                    accent="#16a34a"
                  />
                  <Stat
                    label="Target income"
                    value={money(plan.target_income)}
                    hint={`a year from age ${plan.retirement_age}`}
                    accent="#FFB707"
                  />
                  <Stat
                    label="Median at retirement"
                    value={money(plan.median_wealth_at_retirement_real, { compact: true })}
                    hint="today's money"
                    accent="#209DD7"
                  />
                  <Stat
                    label="Median at planning age"
                    value={money(plan.median_wealth_at_planning_age_real, { compact: true })}
                    hint="today's money"
                    accent="#062147"
                  />
                  <Stat
                    label="Money runs out"
                    value={pct(plan.depletion_pct_of_paths)}
                    hint={
                      plan.depletion_median_age !== null
                        ? `of paths, median age ${number(plan.depletion_median_age)}`
                        : "of paths"
                    }
                    accent="#dc2626"
                  />
                  <Stat
                    label="Simulations"
                    value={number(plan.paths)}
                    hint="Monte Carlo market paths"
                    accent="#753991"
                  />
                </div>
              </div>
              <Card
                title="Projected wealth"
                subtitle="Percentile bands across simulated market paths, in today's money"
              >
                {bands.length ? (
                  <FanChart
                    points={bands}
                    marker={{ value: plan.retirement_age, label: "Retirement" }}
                  />
                ) : (
                  <p className="text-sm text-slate-500">No projection bands in this analysis.</p>
                )}
              </Card>
              {retirement.scenarios.length > 0 && (
                <Card title="What-if scenarios">
                  <div className="-mx-5 -my-5 overflow-x-auto">
                    <table className="w-full text-sm" data-testid="scenarios">
                      <thead className="bg-slate-50 text-left text-xs uppercase tracking-wider text-slate-500">
                        <tr>
                          <th className="px-5 py-2.5">Scenario</th>
                          <th className="px-3 py-2.5 text-right">Success</th>
                          <th className="px-5 py-2.5 text-right">Sustainable income</th>
                        </tr>
                      </thead>
                      <tbody>
                        <tr className="border-t border-slate-100 font-semibold">
                          <td className="px-5 py-3">Your current plan</td>
                          <td className="num px-3 py-3 text-right">{pct(plan.success_pct)}</td>
                          <td className="num px-5 py-3 text-right">
                            {money(plan.sustainable_income)}
                          </td>
                        </tr>
                        {retirement.scenarios.map((sc, i) => (
                          <tr key={i} className="border-t border-slate-100">
                            <td className="px-5 py-3">{sc.label}</td>
                            <td className="num px-3 py-3 text-right">
                              {pct(sc.success_pct)}
                              <DeltaNote
                                delta={scenarioDelta(
                                  sc.success_change_pp ??
                                    difference(sc.success_pct, plan.success_pct),
                                  "points",
                                )}
                              />
                            </td>
                            <td className="num px-5 py-3 text-right">
                              {money(sc.sustainable_income)}
                              <DeltaNote
                                delta={scenarioDelta(
                                  difference(sc.sustainable_income, plan.sustainable_income),
                                  "money",
                                )}
                              />
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                </Card>
              )}
              <WhatIfPanel />
              <div className="grid gap-6 lg:grid-cols-[1fr_320px]">
                {retirement.markdown ? (
                  <Card title="Retirement specialist's notes">
                    <Markdown>{retirement.markdown}</Markdown>
                  </Card>
                ) : (
                  <div />
                )}
                {plan.notes.length > 0 && (
                  <Card title="Assumptions">
                    <ul className="list-disc space-y-1.5 pl-5 text-sm text-slate-600">
                      {plan.notes.map((n, i) => (
                        <li key={i}>{n}</li>
                      ))}
                    </ul>
                  </Card>
                )}
              </div>
            </div>
          ) : (
            <div className="space-y-6">
              <EmptyState title="No retirement projection">
                The Retirement agent did not produce a projection for this run.
              </EmptyState>
              <WhatIfPanel />
            </div>
          )}
        </Section>
        <Section id="quality" active={tab} title="Data quality">
          <div className="grid gap-6 md:grid-cols-2" data-testid="data-quality">
            {!dq && (
              <p className="text-sm text-slate-500 md:col-span-2">
                This analysis recorded no data-quality report.
              </p>
            )}
            <Card title="Classification coverage">
              {dq && dq.coverage_pct !== null ? (
                <>
                  {/* Two decimals, as the coverage statement beside it says it. */}
                  <p className="num text-3xl font-extrabold text-ink">{pct(dq.coverage_pct, 2)}</p>
                  <div className="mt-2 h-2 overflow-hidden rounded-full bg-slate-100">
                    <div className="h-full bg-good" style={{ width: `${dq.coverage_pct}%` }} />
                  </div>
                  <p className="mt-2 text-sm text-slate-600">
                    {dq.coverage_statement ? (
                      <>
                        of your valued holdings have a known breakdown. In full:{" "}
                        <span data-testid="report-coverage-statement">{dq.coverage_statement}</span>
                        .
                      </>
                    ) : (
                      "of your portfolio's value has a known asset-class, region and sector breakdown."
                    )}
                  </p>
                </>
              ) : (
                <p className="text-sm text-slate-500">Not reported.</p>
              )}
            </Card>
            <Card
              title="Grounding check"
              subtitle="Numbers in the narrative compared with the tool results"
            >
              <div className="flex items-center gap-2">
                <Badge tone={status === "ok" ? "good" : status === "issues" ? "bad" : "slate"}>
                  {status === "ok"
                    ? "All figures grounded"
                    : status === "issues"
                      ? "Unmatched figures"
                      : "Not reported"}
                </Badge>
                {grounding && (
                  <span className="text-xs text-slate-500">
                    {grounding.matched} of {grounding.checked} figures matched
                  </span>
                )}
              </div>
              <p className="mt-2 text-sm text-slate-600">
                Every number in the written report is compared with the results of the tools the
                agents called. A figure without a source is listed here.
              </p>
              {grounding && grounding.unmatched.length > 0 && (
                <ul className="mt-3 list-disc space-y-1 pl-5 text-sm text-slate-700">
                  {grounding.unmatched.map((u, i) => (
                    <li key={i}>{u}</li>
                  ))}
                </ul>
              )}
            </Card>
            <Card title="Unclassified instruments">
              {dq?.unclassified_symbols.length ? (
                <>
                  <div className="flex flex-wrap gap-2">
                    {dq.unclassified_symbols.map((s) => (
                      <Badge key={s} tone="accent">
                        {s}
                      </Badge>
                    ))}
                  </div>
                  <p className="mt-3 text-sm text-slate-600">
                    Left out of the look-through allocation.{" "}
                    <Link
                      className="font-semibold text-brand-600 hover:underline"
                      href="/accounts/health/"
                    >
                      Classify them
                    </Link>
                    .
                  </p>
                </>
              ) : (
                <p className="text-sm text-slate-600">None — every valued holding is classified.</p>
              )}
            </Card>
            <Card title="Missing prices">
              {missingPrices.length ? (
                <div className="flex flex-wrap gap-2">
                  {missingPrices.map((s) => (
                    <Badge key={s} tone="bad">
                      {s}
                    </Badge>
                  ))}
                </div>
              ) : (
                <p className="text-sm text-slate-600">None — every position is priced.</p>
              )}
              {missingPrices.length > 0 && (
                <p className="mt-3 text-sm text-slate-600">
                  These positions are left out of every total; Alex never guesses a price.{" "}
                  <Link
                    className="font-semibold text-brand-600 hover:underline"
                    href="/accounts/health/"
                  >
                    Set their prices
                  </Link>
                  .
                </p>
              )}
            </Card>
            <Card title="Stale prices" className="md:col-span-2">
              {dq?.stale_prices.length ? (
                <ul className="space-y-1.5 text-sm" data-testid="report-stale-prices">
                  {dq.stale_prices.map((q) => (
                    <li key={q.symbol} className="flex flex-wrap items-baseline gap-x-2">
                      <span className="font-mono font-semibold text-ink">{q.symbol}</span>
                      <Badge tone={q.reason === "refresh_failed" ? "bad" : "accent"}>
                        {q.reason === "refresh_failed" ? "refresh failed" : "old"}
                      </Badge>
                      <span className="text-slate-600">
                        {[priceSourceLabel(q.source), q.as_of ? shortDate(q.as_of) : null]
                          .filter(Boolean)
                          .join(", ")}
                        {q.detail ? ` — ${q.detail}` : ""}
                      </span>
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="text-sm text-slate-600">
                  None — every price used was recent when this analysis ran.
                </p>
              )}
              {dq && dq.stale_prices.length > 0 && (
                <p className="mt-3 text-sm text-slate-600">
                  Counted at these prices, which may be out of date.{" "}
                  <Link
                    className="font-semibold text-brand-600 hover:underline"
                    href="/accounts/health/"
                  >
                    Review them
                  </Link>
                  .
                </p>
              )}
            </Card>
            {dq && dq.notes.length > 0 && (
              <Card title="Notes" className="md:col-span-2">
                <ul className="list-disc space-y-1 pl-5 text-sm">
                  {dq.notes.map((n, i) => (
                    <li key={i}>{n}</li>
                  ))}
                </ul>
              </Card>
            )}
          </div>
        </Section>
      </div>
    </>
  );
}

export default function AnalysisPage() {
  const router = useRouter();
  const jobs = useApi<JobSummary[]>("/api/jobs");
  const completed = (jobs.data ?? []).filter((j) => j.status === "completed");
  const queryJob = typeof router.query.job === "string" ? router.query.job : null;
  const selected = queryJob ?? completed[0]?.id ?? null;
  const job = useApi<Job>(router.isReady && selected ? `/api/jobs/${selected}` : null);

  useEffect(() => {
    if (job.data && (job.data.status === "running" || job.data.status === "pending"))
      void router.replace(`/team/?job=${job.data.id}`);
  }, [job.data, router]);

  const picker = completed.length > 0 && (
    <SelectField
      label="Analysis"
      className="min-w-[240px]"
      value={selected ?? ""}
      onChange={(e) => void router.push(`/analysis/?job=${e.target.value}`)}
      data-testid="analysis-picker"
    >
      {completed.map((j) => (
        <option key={j.id} value={j.id}>
          {dateTime(j.completed_at ?? j.created_at)}
        </option>
      ))}
      {selected && !completed.some((j) => j.id === selected) && (
        <option value={selected}>Selected analysis</option>
      )}
    </SelectField>
  );

  let body;
  if (!router.isReady || jobs.loading || (selected && !job.data && !job.error))
    body = <PageSkeleton />;
  else if (!selected)
    body = (
      <EmptyState
        icon="✦"
        title="No analysis yet"
        action={
          <ButtonLink href="/team/" variant="ai">
            Go to the Advisor Team
          </ButtonLink>
        }
      >
        Run your first analysis and your AI advisor team will write a report, draw charts and
        project your retirement.
      </EmptyState>
    );
  else if (job.error)
    body = (
      <EmptyState
        title="Analysis not found"
        action={<ButtonLink href="/team/">Advisor Team</ButtonLink>}
      >
        {job.error.message}
      </EmptyState>
    );
  else if (job.data!.status === "failed")
    body = (
      <EmptyState
        title="This analysis failed"
        action={
          <ButtonLink href="/team/" variant="ai">
            Try again
          </ButtonLink>
        }
      >
        {job.data!.error_message ?? "No reason was recorded."}
      </EmptyState>
    );
  else if (job.data!.status !== "completed") body = <PageSkeleton />;
  else body = <ReportBody key={job.data!.id} job={job.data!} />;

  return (
    <Layout title="Analysis">
      <PageHeader
        eyebrow="Analysis"
        title="Your portfolio analysis"
        subtitle={
          job.data?.completed_at
            ? `Completed ${dateTime(job.data.completed_at)} by your AI advisor team`
            : "Report, charts and retirement projection from your advisor team"
        }
        action={picker ? <div className="print:hidden">{picker}</div> : undefined}
      />
      {body}
    </Layout>
  );
}
