import Link from "next/link";
import { useRouter } from "next/router";
import { useMemo, useState } from "react";
import { ChartView } from "@/components/charts";
import { Layout, PageHeader } from "@/components/Layout";
import { DataControls } from "@/components/DataControls";
import { CoverageStatement, HEALTH_HREF, LeftOutNote } from "@/components/DataHealth";
import { ProfileForm } from "@/components/ProfileForm";
import { ProfileSetup } from "@/components/ProfileSetup";
import { useToast } from "@/components/Toast";
import {
  ButtonLink,
  Badge,
  Button,
  Card,
  EmptyState,
  PageSkeleton,
  Skeleton,
  Stat,
} from "@/components/ui";
import { api, ApiError } from "@/lib/api";
import { dateTime, label, money, num, pct, pts } from "@/lib/format";
import { splitStatement } from "@/lib/holdings";
import { startFailure, whatToAdd } from "@/lib/runAnalysis";
import type { Account, JobCreated, JobSummary, PortfolioView, User } from "@/lib/types";
import { useApi } from "@/lib/useApi";

function greeting(): string {
  const h = new Date().getHours();
  return h < 12 ? "Good morning" : h < 18 ? "Good afternoon" : "Good evening";
}

function StatusBadge({ status }: { status: string }) {
  const tone =
    status === "completed"
      ? "good"
      : status === "failed"
        ? "bad"
        : status === "running"
          ? "ai"
          : "slate";
  return <Badge tone={tone}>{status}</Badge>;
}

const BLOCKED_HINT_ID = "run-analysis-blocked";

/** Starts an analysis in one click and opens the Advisor Team on it; while there is nothing to
 *  analyse it is disabled. The header's button says what to add; the others point to it. */
function RunAnalysisButton({
  blocked,
  starting,
  onRun,
  label,
  size = "md",
  testId,
  explain = false,
}: {
  blocked: string | null;
  starting: boolean;
  onRun: () => void;
  label: string;
  size?: "sm" | "md";
  testId: string;
  explain?: boolean;
}) {
  const button = (
    <Button
      variant="ai"
      size={size}
      onClick={onRun}
      busy={starting}
      disabled={blocked !== null}
      aria-describedby={blocked ? BLOCKED_HINT_ID : undefined}
      data-testid={testId}
    >
      <span aria-hidden>✦</span> {label}
    </Button>
  );
  if (!explain) return button;
  return (
    <div className="flex flex-col items-start gap-1.5 sm:items-end">
      {button}
      {blocked && (
        <p
          id={BLOCKED_HINT_ID}
          data-testid={BLOCKED_HINT_ID}
          className="max-w-xs text-xs text-amber-800 sm:text-right"
        >
          {blocked}
        </p>
      )}
    </div>
  );
}

export default function Dashboard() {
  const router = useRouter();
  const toast = useToast();
  const user = useApi<User>("/api/user");
  const accounts = useApi<Account[]>("/api/accounts");
  const portfolioRes = useApi<PortfolioView>("/api/portfolio");
  const jobs = useApi<JobSummary[]>("/api/jobs");
  const [demoBusy, setDemoBusy] = useState(false);
  const [starting, setStarting] = useState(false);

  const analysis = portfolioRes.data?.analysis;
  const charts = portfolioRes.data?.charts;
  const accts = useMemo(() => accounts.data ?? [], [accounts.data]);
  const totals = useMemo(() => {
    const total = accts.reduce((s, a) => s + (num(a.total_value) ?? 0), 0);
    const cash = accts.reduce((s, a) => s + (num(a.cash_balance) ?? 0), 0);
    const positions = accts.reduce((s, a) => s + (a.positions_count ?? 0), 0);
    const unpriced = accts.reduce((s, a) => s + a.unpriced_positions, 0);
    const stale = accts.reduce((s, a) => s + a.stale_positions, 0);
    return { total, cash, positions, unpriced, stale };
  }, [accts]);

  // Known only once the accounts are loaded; until then the server decides (422 if empty).
  const blocked = accounts.data
    ? whatToAdd({ accounts: accts.length, positions: totals.positions, cash: totals.cash })
    : null;

  const runAnalysis = async () => {
    setStarting(true);
    try {
      const res = await api<JobCreated>("/api/analyze", { method: "POST" });
      await router.push(`/team/?job=${res.job_id}`);
    } catch (e) {
      if (!(e instanceof ApiError)) {
        toast.error(e);
        return;
      }
      const failure = startFailure(e);
      toast.error(failure.message);
      // The accounts went away since the page loaded (another tab): show it.
      if (failure.nothingToAnalyse) void accounts.reload();
    } finally {
      setStarting(false);
    }
  };

  const loadDemo = async () => {
    setDemoBusy(true);
    try {
      await api("/api/user/demo-data", { method: "POST" });
      toast.success("Demo accounts added");
      await Promise.all([accounts.reload(), portfolioRes.reload(), user.reload()]);
    } catch (e) {
      toast.error(e);
    } finally {
      setDemoBusy(false);
    }
  };

  if (user.loading && !user.data)
    return (
      <Layout title="Dashboard">
        <PageSkeleton />
      </Layout>
    );
  if (user.error && !user.data)
    return (
      <Layout title="Dashboard">
        <EmptyState
          title="Could not load your profile"
          action={<Button onClick={() => user.reload()}>Retry</Button>}
        >
          {user.error.message}
        </EmptyState>
      </Layout>
    );
  const u = user.data!;
  // A new profile holds placeholder figures (age 40, …): ask for the user's own before showing
  // anything that would present them as facts.
  if (!u.profile_completed_at)
    return (
      <Layout title="Dashboard">
        <PageHeader
          eyebrow="Welcome"
          title={<span data-testid="welcome">Welcome to Alex, {u.display_name}</span>}
          subtitle="First, a few figures about you and your plan. It takes a minute."
        />
        <ProfileSetup
          user={u}
          onDone={(saved) => {
            user.setData(saved);
            void portfolioRes.reload();
          }}
        />
      </Layout>
    );
  const lastJob = jobs.data?.[0];

  const total = analysis?.valuation.total ?? totals.total;
  const cash = analysis?.valuation.cash ?? totals.cash;
  const coverage = analysis?.allocation.asset_class.coverage_pct ?? null;
  const dq = analysis?.data_quality;
  // The portfolio's own figures once loaded (stale counted per symbol, as a price is); the
  // accounts' until then.
  const leftOutCounts = dq
    ? { unpriced: dq.unvalued_holdings, stale: dq.stale_prices.length }
    : { unpriced: totals.unpriced, stale: totals.stale };
  const donutSpec = charts?.asset_class_donut ?? null;
  const donut = donutSpec
    ? { ...donutSpec, centerLabel: money(total, { compact: true }), centerCaption: "total" }
    : null;
  const driftChart = charts?.asset_class_drift ?? null;
  const driftRows = analysis?.drift.asset_class ?? [];
  const rebalance = analysis?.rebalance;

  return (
    <Layout title="Dashboard">
      <PageHeader
        eyebrow="Dashboard"
        title={
          <span data-testid="greeting">
            {greeting()}, {u.display_name}
          </span>
        }
        subtitle={`Age ${u.current_age} · ${u.years_until_retirement} years to retirement · target income ${money(u.target_retirement_income)} a year`}
        action={
          <RunAnalysisButton
            blocked={blocked}
            starting={starting}
            onRun={() => void runAnalysis()}
            label="Run analysis"
            testId="run-analysis"
            explain
          />
        }
      />

      <div className="grid grid-cols-2 gap-3 sm:gap-4 lg:grid-cols-4">
        <Stat
          label="Total value"
          value={
            accounts.loading && !accounts.data ? <Skeleton className="h-7 w-32" /> : money(total)
          }
          hint={
            accts.length ? (
              <LeftOutNote
                testId="total-left-out"
                counts={leftOutCounts}
                allGood="Cash plus every holding, at recent prices"
              />
            ) : (
              "Cash plus valued positions"
            )
          }
          accent="#209DD7"
        />
        <Stat
          label="Accounts"
          value={accts.length}
          hint={
            accts.length
              ? `${new Set(accts.map((a) => a.account_type)).size} account types`
              : "None yet"
          }
          accent="#753991"
        />
        <Stat
          label="Positions"
          value={totals.positions}
          hint={
            dq && totals.positions ? splitStatement(dq.coverage_statement).classified : undefined
          }
          accent="#FFB707"
        />
        <Stat
          label="Cash"
          value={money(cash)}
          hint={total ? `${pct((cash / total) * 100)} of portfolio` : undefined}
          accent="#062147"
        />
      </div>

      {dq && accts.length > 0 && totals.positions > 0 && (
        <p
          className={`mt-4 flex flex-wrap items-center gap-x-3 gap-y-1 rounded-xl border px-4 py-2.5 text-sm ${dq.unvalued_holdings || dq.stale_prices.length || dq.unclassified_symbols.length ? "border-amber-200 bg-accent-50 text-amber-900" : "border-slate-200 bg-white text-ink-700"}`}
        >
          <span className="min-w-0 flex-1">
            Totals:{" "}
            <CoverageStatement
              testId="coverage-statement"
              statement={dq.coverage_statement}
              stalePrices={dq.stale_prices.length}
            />
            .
          </span>
          <Link
            href={HEALTH_HREF}
            className="shrink-0 font-semibold text-brand-600 hover:underline"
          >
            Data health →
          </Link>
        </p>
      )}

      {!accounts.loading && accts.length === 0 ? (
        <div className="mt-6">
          <EmptyState
            icon="+"
            title="Add your first account"
            action={
              <div className="flex flex-wrap justify-center gap-2">
                <ButtonLink href="/accounts/?new=1">Add an account</ButtonLink>
                <Button variant="secondary" onClick={loadDemo} busy={demoBusy}>
                  Load demo portfolio
                </Button>
              </div>
            }
          >
            Record your 401(k), IRA or brokerage accounts and their holdings. Alex then looks
            through your funds and your AI advisor team reviews your plan.
          </EmptyState>
        </div>
      ) : (
        <div className="mt-6 grid gap-6 lg:grid-cols-3">
          <Card
            title="Allocation"
            subtitle="Look-through, by asset class"
            className="lg:col-span-1"
          >
            {portfolioRes.loading && !portfolioRes.data ? (
              <Skeleton className="h-56" />
            ) : donut ? (
              <ChartView spec={donut} />
            ) : (
              <p className="text-sm text-slate-500">No priced positions yet.</p>
            )}
            {coverage !== null && coverage < 99.995 && (
              <p className="mt-3 rounded-lg bg-accent-50 px-3 py-2 text-xs text-amber-900">
                {analysis?.allocation.asset_class.unclassified_symbols.join(", ")} (
                {pct(100 - coverage, 2)} of value){" "}
                {analysis?.allocation.asset_class.unclassified_symbols.length === 1 ? "is" : "are"}{" "}
                unclassified.{" "}
                <Link className="font-semibold underline" href={HEALTH_HREF}>
                  Classify them
                </Link>{" "}
                for a complete picture.
              </p>
            )}
          </Card>
          <Card
            title="Target vs actual"
            subtitle="Asset-class drift from your targets"
            className="lg:col-span-1"
          >
            {portfolioRes.loading && !portfolioRes.data ? (
              <Skeleton className="h-56" />
            ) : driftChart ? (
              <>
                <ChartView spec={driftChart} height={220} />
                <ul className="mt-2 space-y-1 text-xs" data-testid="drift-list">
                  {driftRows
                    .filter((d) => Math.abs(d.drift_pp) >= 0.05)
                    .map((d) => (
                      <li key={d.key} className="flex justify-between">
                        <span className="text-slate-600">{label(d.key)}</span>
                        <span
                          className={`num font-semibold ${d.breach ? "text-bad" : "text-slate-700"}`}
                        >
                          {pts(d.drift_pp)}
                        </span>
                      </li>
                    ))}
                </ul>
                {rebalance?.needed && (
                  <p className="mt-3 rounded-lg bg-brand-50 px-3 py-2 text-xs text-ink-700">
                    Drift exceeds your band of {pts(rebalance.threshold_pp, 1, { signed: false })}:{" "}
                    {rebalance.trades.length} suggested trade(s), mostly inside tax-advantaged
                    accounts. Run an analysis for the full plan.
                  </p>
                )}
              </>
            ) : (
              <p className="text-sm text-slate-500">Set your targets below to see drift.</p>
            )}
          </Card>
          <Card
            title="Last analysis"
            subtitle="From your AI advisor team"
            className="lg:col-span-1"
          >
            {jobs.loading && !jobs.data ? (
              <Skeleton className="h-40" />
            ) : lastJob ? (
              <div className="space-y-3" data-testid="last-analysis">
                <div className="flex items-center justify-between">
                  <StatusBadge status={lastJob.status} />
                  <span className="text-xs text-slate-500">
                    {dateTime(lastJob.completed_at ?? lastJob.created_at)}
                  </span>
                </div>
                {lastJob.headline && (
                  <p className="text-sm font-medium text-ink">{lastJob.headline}</p>
                )}
                {lastJob.status === "failed" && lastJob.error_message && (
                  <p className="text-sm text-bad">{lastJob.error_message}</p>
                )}
                <div className="flex flex-wrap gap-2">
                  {lastJob.status === "completed" && (
                    <ButtonLink href={`/analysis/?job=${lastJob.id}`} size="sm">
                      Read the report
                    </ButtonLink>
                  )}
                  {lastJob.status === "pending" || lastJob.status === "running" ? (
                    <ButtonLink href={`/team/?job=${lastJob.id}`} size="sm" variant="secondary">
                      Watch it run
                    </ButtonLink>
                  ) : (
                    <RunAnalysisButton
                      blocked={blocked}
                      starting={starting}
                      onRun={() => void runAnalysis()}
                      label="New analysis"
                      size="sm"
                      testId="new-analysis"
                    />
                  )}
                </div>
              </div>
            ) : (
              <div className="flex h-full flex-col items-start gap-3">
                <p className="text-sm text-slate-600">
                  No analysis yet. Five AI agents will review your allocation, drift, risks and
                  retirement odds in about a minute.
                </p>
                <RunAnalysisButton
                  blocked={blocked}
                  starting={starting}
                  onRun={() => void runAnalysis()}
                  label="Run your first analysis"
                  size="sm"
                  testId="first-analysis"
                />
              </div>
            )}
          </Card>
        </div>
      )}

      {accts.length > 0 && (
        <Card
          title="Accounts"
          className="mt-6"
          action={
            <Link
              href="/accounts/"
              className="text-sm font-semibold text-brand-600 hover:underline"
            >
              Manage accounts →
            </Link>
          }
        >
          <div className="-mx-5 -my-5 overflow-x-auto">
            <table className="w-full text-sm" data-testid="accounts-summary">
              <thead className="bg-slate-50 text-left text-xs uppercase tracking-wider text-slate-500">
                <tr>
                  <th className="px-5 py-2.5">Account</th>
                  {/* On a phone the table keeps each account's value; the rest is on its page. */}
                  <th className="hidden px-3 py-2.5 sm:table-cell">Type</th>
                  <th className="hidden px-3 py-2.5 text-right sm:table-cell">Positions</th>
                  <th className="hidden px-3 py-2.5 text-right sm:table-cell">Cash</th>
                  <th className="px-5 py-2.5 text-right">Value</th>
                </tr>
              </thead>
              <tbody>
                {accts.map((a) => (
                  <tr key={a.id} className="border-t border-slate-100 hover:bg-brand-50/40">
                    <td className="px-5 py-3 font-semibold">
                      <Link
                        className="text-ink hover:text-brand-600"
                        href={`/accounts/detail/?id=${a.id}`}
                      >
                        {a.account_name}
                      </Link>
                    </td>
                    <td className="hidden px-3 py-3 text-slate-600 sm:table-cell">
                      {label(a.account_type)}
                    </td>
                    <td className="num hidden px-3 py-3 text-right sm:table-cell">
                      {a.positions_count}
                    </td>
                    <td className="num hidden px-3 py-3 text-right sm:table-cell">
                      {money(a.cash_balance)}
                    </td>
                    <td className="num px-5 py-3 text-right font-semibold">
                      {money(a.total_value)}
                      {a.unpriced_positions > 0 && (
                        <Link
                          href={HEALTH_HREF}
                          className="block text-xs font-medium text-amber-800 hover:underline"
                        >
                          {a.unpriced_positions} not valued
                        </Link>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr className="border-t-2 border-slate-200 font-bold">
                  <td className="px-5 py-3">
                    Total
                    {totals.unpriced > 0 && (
                      <span className="ml-2 text-xs font-medium">
                        <LeftOutNote
                          counts={{ unpriced: totals.unpriced, stale: 0 }}
                          allGood={null}
                        />
                      </span>
                    )}
                  </td>
                  <td className="hidden sm:table-cell" colSpan={3} />
                  <td className="num px-5 py-3 text-right">{money(totals.total)}</td>
                </tr>
              </tfoot>
            </table>
          </div>
        </Card>
      )}

      <Card
        title="Your profile and targets"
        subtitle="Used for drift, rebalancing and the retirement projection"
        className="mt-6"
        id="profile"
      >
        <ProfileForm
          user={u}
          onSaved={(nu) => {
            user.setData(nu);
            void portfolioRes.reload();
          }}
        />
      </Card>

      <DataControls accountCount={accts.length} />
    </Layout>
  );
}
