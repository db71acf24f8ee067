import Link from "next/link";
import { Fragment, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { ClassifyForm } from "@/components/ClassifyForm";
import { AccountsNav } from "@/components/DataHealth";
import { Layout, PageHeader } from "@/components/Layout";
import { PriceForm } from "@/components/PriceForm";
import { useToast } from "@/components/Toast";
import { Badge, Button, ButtonLink, Card, EmptyState, Modal, PageSkeleton } from "@/components/ui";
import { api } from "@/lib/api";
import { money } from "@/lib/format";
import {
  describePrice,
  healthCount,
  healthOf,
  instrumentKind,
  plural,
  type HealthItem,
} from "@/lib/holdings";
import type { Account, AccountDetail, PortfolioView } from "@/lib/types";
import { useApi } from "@/lib/useApi";

/** Every account with its positions (as this user sees them), reloaded after each fix. */
function useAccountDetails() {
  const [answer, setAnswer] = useState<{ data?: AccountDetail[]; error: Error | null }>({
    error: null,
  });
  // Only the latest load may store its answer: an older, slower one must not overwrite it.
  const latest = useRef(0);
  const load = useCallback(async () => {
    const request = ++latest.current;
    try {
      const list = await api<Account[]>("/api/accounts");
      const data = await Promise.all(list.map((a) => api<AccountDetail>(`/api/accounts/${a.id}`)));
      if (latest.current === request) setAnswer({ data, error: null });
    } catch (e) {
      if (latest.current === request) setAnswer((prev) => ({ ...prev, error: e as Error }));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  return { data: answer.data, error: answer.error, reload: load };
}

function Tile({
  label,
  count,
  hint,
  bad,
}: {
  label: string;
  count: number;
  hint: string;
  bad?: boolean;
}) {
  const tone = count === 0 ? "border-l-good" : bad ? "border-l-bad" : "border-l-accent";
  return (
    <div
      className={`min-w-0 rounded-xl border border-l-4 border-slate-200 bg-white px-3 py-2.5 shadow-sm sm:px-4 sm:py-3 ${tone}`}
    >
      <p className="text-xs font-semibold text-slate-500">{label}</p>
      <p className="num text-2xl font-bold text-ink">{count}</p>
      <p className="hidden text-xs text-slate-500 sm:block">{hint}</p>
    </div>
  );
}

function Held({ item }: { item: HealthItem }) {
  return (
    <span className="text-xs text-slate-500">
      in{" "}
      {item.accounts.map((a, i) => (
        <Fragment key={a.id}>
          {i > 0 && ", "}
          <Link
            href={`/accounts/detail/?id=${a.id}`}
            className="font-semibold text-brand-600 hover:underline"
          >
            {a.name}
          </Link>
        </Fragment>
      ))}
    </span>
  );
}

function ItemRow({
  item,
  kind,
  children,
  action,
}: {
  item: HealthItem;
  kind: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  const type = instrumentKind(item.instrumentType);
  return (
    <li
      className="border-t border-slate-100 py-4 first:border-t-0 first:pt-0 last:pb-0"
      data-testid={`health-${kind}-${item.symbol}`}
    >
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="flex flex-wrap items-baseline gap-x-2">
            <span className="font-mono font-bold text-ink">{item.symbol}</span>
            {item.name !== item.symbol && (
              <span className="min-w-0 break-words text-sm text-slate-700">{item.name}</span>
            )}
            {type && <span className="text-xs text-slate-500">{type}</span>}
          </p>
          <Held item={item} />
        </div>
        {action}
      </div>
      {children && <div className="mt-3">{children}</div>}
    </li>
  );
}

function StaleRow({
  item,
  onFixed,
  onRecheck,
}: {
  item: HealthItem;
  onFixed: (m: string) => void;
  onRecheck: () => Promise<void>;
}) {
  const [open, setOpen] = useState(false);
  const [checking, setChecking] = useState(false);
  const failed = item.reason === "refresh_failed";
  const recheck = async () => {
    setChecking(true);
    try {
      await onRecheck();
    } finally {
      setChecking(false);
    }
  };
  return (
    <ItemRow
      item={item}
      kind="stale"
      action={
        <div className="flex flex-wrap gap-2">
          {failed && (
            <Button size="sm" variant="secondary" busy={checking} onClick={recheck}>
              Check again
            </Button>
          )}
          <Button
            size="sm"
            variant={failed ? "ghost" : "secondary"}
            aria-expanded={open}
            onClick={() => setOpen((o) => !o)}
            aria-label={`Set price of ${item.symbol}`}
          >
            {open ? "Close" : "Set price"}
          </Button>
        </div>
      }
    >
      <p className="text-sm text-slate-700">
        <span className="num font-semibold">{money(item.price, { cents: true })}</span>{" "}
        <span className="text-slate-500">
          (
          {describePrice({
            price: item.price,
            price_as_of: item.priceAsOf,
            price_source: item.priceSource,
            price_stale: false,
          })}
          )
        </span>{" "}
        <Badge tone={failed ? "bad" : "accent"}>{failed ? "refresh failed" : "old price"}</Badge>
      </p>
      {item.detail && (
        <p
          className={`mt-1 text-xs ${failed ? "text-bad" : "text-slate-500"}`}
          data-testid="stale-detail"
        >
          {item.detail.charAt(0).toUpperCase()}
          {item.detail.slice(1)}.
        </p>
      )}
      {failed && (
        <p className="mt-1 text-xs text-slate-500">
          Alex kept the last good price and tries again at the next refresh: check again later, or
          set your own price.
        </p>
      )}
      {open && (
        <div className="mt-3 rounded-lg bg-slate-50 p-3">
          <PriceForm
            compact
            symbol={item.symbol}
            current={{ price: item.price, asOf: item.priceAsOf, source: item.priceSource }}
            onDone={onFixed}
          />
        </div>
      )}
    </ItemRow>
  );
}

export default function DataHealthPage() {
  const toast = useToast();
  const details = useAccountDetails();
  const portfolio = useApi<PortfolioView>("/api/portfolio");
  const [classifying, setClassifying] = useState<HealthItem | null>(null);

  const dq = portfolio.data?.analysis.data_quality;
  const health = useMemo(
    () => (details.data ? healthOf(details.data, dq?.stale_prices ?? []) : null),
    [details.data, dq],
  );
  const reload = useCallback(async () => {
    await Promise.all([details.reload(), portfolio.reload()]);
  }, [details, portfolio]);
  const fixed = (message: string) => {
    toast.success(message);
    void reload();
  };

  let body: ReactNode;
  if (!health) {
    body = details.error ? (
      <EmptyState
        title="Could not load your holdings"
        action={<Button onClick={() => void details.reload()}>Retry</Button>}
      >
        {details.error.message}
      </EmptyState>
    ) : (
      <PageSkeleton />
    );
  } else if (details.data!.every((a) => a.positions.length === 0)) {
    body = (
      <EmptyState
        title="No holdings yet"
        action={<ButtonLink href="/accounts/">Go to your accounts</ButtonLink>}
      >
        Add positions to an account and Alex checks here that each one is priced, recent and
        classified.
      </EmptyState>
    );
  } else {
    const count = healthCount(health);
    body = (
      <div className="space-y-6">
        <div className="grid grid-cols-3 gap-2 sm:gap-4">
          <Tile
            label="Not valued"
            count={health.unpriced.length}
            bad
            hint="No price: left out of every total"
          />
          <Tile
            label="Stale prices"
            count={health.stale.length}
            hint="Valued at an old price, or the refresh failed"
          />
          <Tile
            label="Unclassified"
            count={health.unclassified.length}
            hint="Left out of the look-through allocation"
          />
        </div>
        {dq && (
          <p
            className="rounded-xl border border-slate-200 bg-white px-4 py-3 text-sm text-ink-700"
            data-testid="health-statement"
          >
            Your totals: <strong>{dq.coverage_statement}</strong>
            {dq.stale_prices.length > 0 && <>; {plural(dq.stale_prices.length, "stale price")}</>}.
          </p>
        )}

        {count === 0 && (
          <div
            className="flex items-center gap-4 rounded-2xl border border-green-200 bg-green-50 px-5 py-6"
            data-testid="health-all-good"
            role="status"
          >
            <span
              className="grid h-10 w-10 shrink-0 place-items-center rounded-full bg-good text-lg font-bold text-white"
              aria-hidden
            >
              ✓
            </span>
            <div>
              <p className="font-bold text-ink">All good</p>
              <p className="text-sm text-slate-600">
                Every holding has a recent price and a full breakdown, so every total and the
                look-through allocation include all of it.
              </p>
            </div>
          </div>
        )}

        {health.unpriced.length > 0 && (
          <Card
            title="Not valued"
            subtitle="No price yet: these holdings are left out of every total until they have one. Your price applies to your portfolio only."
          >
            <ul data-testid="health-unpriced">
              {health.unpriced.map((item) => (
                <ItemRow key={item.symbol} item={item} kind="unpriced">
                  <PriceForm
                    compact
                    symbol={item.symbol}
                    current={{ price: null, asOf: null, source: null }}
                    onDone={fixed}
                  />
                </ItemRow>
              ))}
            </ul>
          </Card>
        )}

        {health.stale.length > 0 && (
          <Card
            title="Stale prices"
            subtitle="Counted in your totals at a price that may be out of date: set a current price, or wait for the next price refresh."
          >
            <ul data-testid="health-stale">
              {health.stale.map((item) => (
                <StaleRow key={item.symbol} item={item} onFixed={fixed} onRecheck={reload} />
              ))}
            </ul>
          </Card>
        )}

        {health.unclassified.length > 0 && (
          <Card
            title="Unclassified"
            subtitle="No asset-class, region and sector breakdown: left out of the look-through allocation, drift and rebalancing."
          >
            <ul data-testid="health-unclassified">
              {health.unclassified.map((item) => (
                <ItemRow
                  key={item.symbol}
                  item={item}
                  kind="unclassified"
                  action={
                    <Button
                      size="sm"
                      variant="secondary"
                      onClick={() => setClassifying(item)}
                      aria-label={`Classify ${item.symbol}`}
                    >
                      Classify
                    </Button>
                  }
                >
                  <p className="text-xs text-slate-500">
                    Classify it yourself (for your portfolio only), or run an analysis and the
                    Tagger agent will.
                  </p>
                </ItemRow>
              ))}
            </ul>
          </Card>
        )}
      </div>
    );
  }

  return (
    <Layout title="Data health">
      <PageHeader
        eyebrow="Accounts"
        title="Data health"
        subtitle="Every holding Alex cannot value, values at an old price, or cannot look through — with what fixes each."
      />
      <AccountsNav attention={health ? healthCount(health) > 0 : undefined} />
      {body}
      <Modal
        open={!!classifying}
        title={`Classify ${classifying?.symbol ?? ""}`}
        onClose={() => setClassifying(null)}
        wide
      >
        {classifying && (
          <ClassifyForm
            symbol={classifying.symbol}
            name={classifying.name}
            type={classifying.instrumentType}
            onCancel={() => setClassifying(null)}
            onDone={() => {
              const s = classifying.symbol;
              setClassifying(null);
              fixed(`${s} classified`);
            }}
          />
        )}
      </Modal>
    </Layout>
  );
}
