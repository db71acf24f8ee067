import Link from "next/link";
import { useRouter } from "next/router";
import { useState } from "react";
import { AccountForm } from "@/components/AccountForm";
import { AccountsNav, LeftOutNote } from "@/components/DataHealth";
import { Layout, PageHeader } from "@/components/Layout";
import { useToast } from "@/components/Toast";
import { Badge, Button, ConfirmDialog, EmptyState, Modal, Skeleton } from "@/components/ui";
import { api } from "@/lib/api";
import { label, money, num, pct } from "@/lib/format";
import { leftOut } from "@/lib/holdings";
import type { Account } from "@/lib/types";
import { useApi } from "@/lib/useApi";

const TAX_ADVANTAGED = new Set([
  "401k",
  "roth_401k",
  "403b",
  "traditional_ira",
  "roth_ira",
  "sep_ira",
  "hsa",
  "529",
]);

export default function AccountsPage() {
  const router = useRouter();
  const toast = useToast();
  const accounts = useApi<Account[]>("/api/accounts");
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Account | null>(null);
  const [deleting, setDeleting] = useState<Account | null>(null);
  const [busy, setBusy] = useState(false);

  // ?new=1 (the dashboard's "Add an account") opens the form once each time it appears.
  const askedNew = router.isReady && router.query.new === "1";
  const [sawNew, setSawNew] = useState(false);
  if (askedNew !== sawNew) {
    setSawNew(askedNew);
    if (askedNew) setCreating(true);
  }

  const list = accounts.data ?? [];
  const grand = list.reduce((s, a) => s + (num(a.total_value) ?? 0), 0);
  const sum = (k: "unpriced_positions" | "stale_positions" | "unclassified_positions") =>
    list.reduce((s, a) => s + a[k], 0);
  const counts = {
    unpriced: sum("unpriced_positions"),
    stale: sum("stale_positions"),
    unclassified: sum("unclassified_positions"),
  };

  const remove = async () => {
    if (!deleting) return;
    setBusy(true);
    try {
      await api(`/api/accounts/${deleting.id}`, { method: "DELETE" });
      toast.success(`Deleted ${deleting.account_name}`);
      setDeleting(null);
      await accounts.reload();
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Layout title="Accounts">
      <PageHeader
        eyebrow="Accounts"
        title="Your accounts"
        subtitle={
          list.length ? (
            <>
              {`${list.length} account${list.length === 1 ? "" : "s"} · ${money(grand)} in total`}
              {leftOut(counts).length > 0 && (
                <>
                  {" "}
                  · <LeftOutNote testId="accounts-left-out" counts={counts} />
                </>
              )}
            </>
          ) : (
            "Retirement and brokerage accounts, with their cash and positions"
          )
        }
        action={<Button onClick={() => setCreating(true)}>+ Add account</Button>}
      />
      <AccountsNav
        attention={
          accounts.data ? counts.unpriced + counts.stale + counts.unclassified > 0 : undefined
        }
      />

      {accounts.loading && !accounts.data ? (
        <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} className="h-44" />
          ))}
        </div>
      ) : accounts.error ? (
        <EmptyState
          title="Could not load accounts"
          action={<Button onClick={() => accounts.reload()}>Retry</Button>}
        >
          {accounts.error.message}
        </EmptyState>
      ) : list.length === 0 ? (
        <EmptyState
          icon="+"
          title="No accounts yet"
          action={<Button onClick={() => setCreating(true)}>Add your first account</Button>}
        >
          Start with the account you contribute to most — a 401(k), an IRA or a taxable brokerage
          account. You can add positions one by one or import a CSV.
        </EmptyState>
      ) : (
        <ul className="grid gap-4 md:grid-cols-2 xl:grid-cols-3" data-testid="account-list">
          {list.map((a) => {
            const share = grand ? ((num(a.total_value) ?? 0) / grand) * 100 : 0;
            return (
              <li
                key={a.id}
                className="group relative flex flex-col rounded-2xl border border-slate-200 bg-white p-5 shadow-sm transition hover:-translate-y-0.5 hover:border-brand/50 hover:shadow-lg"
              >
                <div className="flex items-start justify-between gap-2">
                  <div className="min-w-0">
                    <Link
                      href={`/accounts/detail/?id=${a.id}`}
                      className="block truncate text-base font-bold text-ink after:absolute after:inset-0 hover:text-brand-600"
                      data-testid="account-link"
                    >
                      {a.account_name}
                    </Link>
                    <p className="mt-0.5 text-xs text-slate-500">{a.account_purpose || "—"}</p>
                  </div>
                  <Badge tone={TAX_ADVANTAGED.has(a.account_type) ? "ai" : "brand"}>
                    {label(a.account_type)}
                  </Badge>
                </div>
                <p className="num mt-4 text-2xl font-extrabold tracking-tight text-ink">
                  {money(a.total_value)}
                </p>
                <div
                  className="mt-2 h-1.5 overflow-hidden rounded-full bg-slate-100"
                  aria-label={`${pct(share)} of portfolio`}
                >
                  <div
                    className="h-full rounded-full bg-gradient-to-r from-brand to-ai"
                    style={{ width: `${share}%` }}
                  />
                </div>
                <dl className="mt-3 grid grid-cols-3 gap-2 text-xs">
                  <div>
                    <dt className="text-slate-500">Positions</dt>
                    <dd className="num font-semibold text-ink">{a.positions_count}</dd>
                  </div>
                  <div>
                    <dt className="text-slate-500">Cash</dt>
                    <dd className="num font-semibold text-ink">{money(a.cash_balance)}</dd>
                  </div>
                  <div>
                    <dt className="text-slate-500">Share</dt>
                    <dd className="num font-semibold text-ink">{pct(share)}</dd>
                  </div>
                </dl>
                {a.unpriced_positions + a.stale_positions + a.unclassified_positions > 0 && (
                  <p className="relative z-10 mt-2 text-xs">
                    <LeftOutNote
                      counts={{
                        unpriced: a.unpriced_positions,
                        stale: a.stale_positions,
                        unclassified: a.unclassified_positions,
                      }}
                    />
                  </p>
                )}
                <div className="relative z-10 mt-4 flex gap-2 border-t border-slate-100 pt-3">
                  <Button
                    size="sm"
                    variant="ghost"
                    onClick={() => setEditing(a)}
                    aria-label={`Edit ${a.account_name}`}
                  >
                    Edit
                  </Button>
                  <Button
                    size="sm"
                    variant="ghost"
                    className="!text-bad"
                    onClick={() => setDeleting(a)}
                    aria-label={`Delete ${a.account_name}`}
                  >
                    Delete
                  </Button>
                </div>
              </li>
            );
          })}
        </ul>
      )}

      <Modal open={creating} title="Add an account" onClose={() => setCreating(false)}>
        <AccountForm
          onCancel={() => setCreating(false)}
          onDone={(a) => {
            setCreating(false);
            toast.success(`Created ${a.account_name}`);
            void router.push(`/accounts/detail/?id=${a.id}`);
          }}
        />
      </Modal>
      <Modal open={!!editing} title="Edit account" onClose={() => setEditing(null)}>
        {editing && (
          <AccountForm
            account={editing}
            onCancel={() => setEditing(null)}
            onDone={() => {
              setEditing(null);
              toast.success("Account saved");
              void accounts.reload();
            }}
          />
        )}
      </Modal>
      <ConfirmDialog
        open={!!deleting}
        title="Delete account?"
        busy={busy}
        onCancel={() => setDeleting(null)}
        onConfirm={remove}
        message={
          <>
            This permanently deletes <strong>{deleting?.account_name}</strong> and its{" "}
            {deleting?.positions_count} position(s).
          </>
        }
      />
    </Layout>
  );
}
