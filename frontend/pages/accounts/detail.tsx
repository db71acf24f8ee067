import Link from "next/link";
import { useRouter } from "next/router";
import { useState, type FormEvent } from "react";
import { AccountForm } from "@/components/AccountForm";
import { ClassifyForm } from "@/components/ClassifyForm";
import { HEALTH_HREF, LeftOutNote } from "@/components/DataHealth";
import { ImportCsv } from "@/components/ImportCsv";
import { Layout, PageHeader } from "@/components/Layout";
import { PriceForm } from "@/components/PriceForm";
import { SymbolInput } from "@/components/SymbolInput";
import { useToast } from "@/components/Toast";
import {
  ButtonLink,
  Badge,
  Button,
  Card,
  ConfirmDialog,
  EmptyState,
  Modal,
  PageSkeleton,
  Stat,
  TextField,
} from "@/components/ui";
import { api, ApiError } from "@/lib/api";
import { label, money, pct, quantity } from "@/lib/format";
import { describePrice, plural } from "@/lib/holdings";
import type { AccountDetail, Instrument, Position } from "@/lib/types";
import { useApi } from "@/lib/useApi";

function AddPosition({
  accountId,
  onAdded,
}: {
  accountId: string;
  onAdded: (p: Position) => void;
}) {
  const [symbol, setSymbol] = useState("");
  const [qty, setQty] = useState("");
  const [cost, setCost] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { symbol: symbol.trim(), quantity: qty };
      if (cost.trim()) body.cost_basis = cost;
      const p = await api<Position>(`/api/accounts/${accountId}/positions`, {
        method: "POST",
        body,
      });
      setSymbol("");
      setQty("");
      setCost("");
      onAdded(p);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      onSubmit={submit}
      aria-label="Add position"
      className="grid items-start gap-3 sm:grid-cols-[1.4fr_1fr_1fr_auto]"
      data-testid="add-position"
    >
      <SymbolInput value={symbol} onChange={setSymbol} error={error?.fieldMessage("symbol")} />
      <TextField
        label="Quantity"
        name="quantity"
        type="number"
        min={0}
        step="any"
        inputMode="decimal"
        value={qty}
        onChange={(e) => setQty(e.target.value)}
        error={error?.fieldMessage("quantity")}
        placeholder="e.g. 12.5"
      />
      <TextField
        label="Cost basis (optional)"
        name="cost_basis"
        type="number"
        min={0}
        step="any"
        prefix="$"
        value={cost}
        onChange={(e) => setCost(e.target.value)}
        error={error?.fieldMessage("cost_basis")}
      />
      <div className="sm:pt-5">
        <Button
          type="submit"
          busy={busy}
          disabled={!symbol.trim() || !(Number(qty) > 0)}
          className="w-full"
        >
          Add position
        </Button>
      </div>
      {error && !error.fields.length && (
        <p role="alert" className="text-sm text-bad sm:col-span-4">
          {error.message}
        </p>
      )}
    </form>
  );
}

function addedMessage(p: Position): string {
  const missing = [
    p.price === null ? "a price" : null,
    p.classified ? null : "a classification",
  ].filter(Boolean);
  return missing.length
    ? `Added ${p.symbol}: it needs ${missing.join(" and ")}`
    : `Added ${p.symbol}`;
}

function EditPosition({
  position,
  onDone,
  onCancel,
}: {
  position: Position;
  onDone: () => void;
  onCancel: () => void;
}) {
  const [qty, setQty] = useState(String(Number(position.quantity)));
  const [cost, setCost] = useState(
    position.cost_basis === null ? "" : String(Number(position.cost_basis)),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await api(`/api/positions/${position.id}`, {
        method: "PATCH",
        body: { quantity: qty, cost_basis: cost.trim() ? cost : null },
      });
      onDone();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} className="space-y-4" aria-label={`Edit ${position.symbol}`}>
      <TextField
        label="Quantity"
        name="quantity"
        type="number"
        min={0}
        step="any"
        value={qty}
        onChange={(e) => setQty(e.target.value)}
        error={error?.fieldMessage("quantity")}
      />
      <TextField
        label="Cost basis"
        name="cost_basis"
        type="number"
        min={0}
        step="any"
        prefix="$"
        value={cost}
        onChange={(e) => setCost(e.target.value)}
        error={error?.fieldMessage("cost_basis")}
      />
      {error && !error.fields.length && (
        <p role="alert" className="text-sm text-bad">
          {error.message}
        </p>
      )}
      <div className="flex justify-end gap-2">
        <Button type="button" variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" busy={busy} disabled={!(Number(qty) > 0)}>
          Save
        </Button>
      </div>
    </form>
  );
}

/** What can be done to one position. A phone shows these under the holding's name, a wider
 *  screen in a column of their own, so the table never scrolls sideways. */
function PositionActions({
  p,
  onPrice,
  onClassify,
  onReclassify,
  onEdit,
  onDelete,
}: {
  p: Position;
  onPrice: () => void;
  onClassify: () => void;
  onReclassify: () => void;
  onEdit: () => void;
  onDelete: () => void;
}) {
  return (
    <>
      <Button
        size="sm"
        variant={p.price === null || p.price_stale ? "secondary" : "ghost"}
        className="mr-1"
        onClick={onPrice}
        aria-label={`Set price of ${p.symbol}`}
      >
        Set price
      </Button>
      {!p.classified && (
        <Button size="sm" variant="secondary" className="mr-1" onClick={onClassify}>
          Classify
        </Button>
      )}
      {p.classification_source === "user" && (
        <Button
          size="sm"
          variant="ghost"
          className="mr-1"
          onClick={onReclassify}
          aria-label={`Reclassify ${p.symbol}`}
        >
          Reclassify
        </Button>
      )}
      <Button size="sm" variant="ghost" onClick={onEdit} aria-label={`Edit ${p.symbol}`}>
        Edit
      </Button>
      <Button
        size="sm"
        variant="ghost"
        className="!text-bad"
        onClick={onDelete}
        aria-label={`Delete ${p.symbol}`}
      >
        Delete
      </Button>
    </>
  );
}

export default function AccountDetailPage() {
  const router = useRouter();
  const toast = useToast();
  const id = typeof router.query.id === "string" ? router.query.id : null;
  const detail = useApi<AccountDetail>(router.isReady && id ? `/api/accounts/${id}` : null);
  const [editingAccount, setEditingAccount] = useState(false);
  const [deletingAccount, setDeletingAccount] = useState(false);
  const [editing, setEditing] = useState<Position | null>(null);
  const [deleting, setDeleting] = useState<Position | null>(null);
  const [classifying, setClassifying] = useState<{
    position: Position;
    yours: Instrument | null;
  } | null>(null);
  const [pricing, setPricing] = useState<Position | null>(null);
  const [importing, setImporting] = useState(false);
  const [busy, setBusy] = useState(false);

  if (router.isReady && !id)
    return (
      <Layout title="Account">
        <EmptyState
          title="No account selected"
          action={<ButtonLink href="/accounts/">Back to accounts</ButtonLink>}
        />
      </Layout>
    );
  if (!detail.data) {
    if (detail.error) {
      const status = (detail.error as ApiError).status;
      return (
        <Layout title="Account">
          <EmptyState
            title={
              status === 404 || status === 403 ? "Account not found" : "Could not load the account"
            }
            action={<ButtonLink href="/accounts/">Back to accounts</ButtonLink>}
          >
            {status === 404 || status === 403
              ? "It may have been deleted, or it belongs to someone else."
              : detail.error.message}
          </EmptyState>
        </Layout>
      );
    }
    return (
      <Layout title="Account">
        <PageSkeleton />
      </Layout>
    );
  }
  const a = detail.data;
  const unclassified = a.positions.filter((p) => !p.classified);
  const unpriced = a.positions.filter((p) => p.price === null);
  const stale = a.positions.filter((p) => p.price !== null && p.price_stale);
  const symbols = (ps: Position[]) => (
    <strong className="font-mono">{ps.map((p) => p.symbol).join(", ")}</strong>
  );

  const removeAccount = async () => {
    setBusy(true);
    try {
      await api(`/api/accounts/${a.id}`, { method: "DELETE" });
      toast.success(`Deleted ${a.account_name}`);
      await router.push("/accounts/");
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };
  const reclassify = async (p: Position) => {
    try {
      const yours = await api<Instrument>(`/api/instruments/${encodeURIComponent(p.symbol)}`);
      setClassifying({ position: p, yours });
    } catch (e) {
      toast.error(e);
    }
  };
  const actionsFor = (p: Position) => ({
    onPrice: () => setPricing(p),
    onClassify: () => setClassifying({ position: p, yours: null }),
    onReclassify: () => void reclassify(p),
    onEdit: () => setEditing(p),
    onDelete: () => setDeleting(p),
  });
  const removePosition = async () => {
    if (!deleting) return;
    setBusy(true);
    try {
      await api(`/api/positions/${deleting.id}`, { method: "DELETE" });
      toast.success(`Removed ${deleting.symbol}`);
      setDeleting(null);
      await detail.reload();
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Layout title={a.account_name}>
      <nav aria-label="Breadcrumb" className="mb-2 text-xs text-slate-500">
        <Link href="/accounts/" className="hover:text-brand-600">
          Accounts
        </Link>{" "}
        / <span className="text-ink">{a.account_name}</span>
      </nav>
      <PageHeader
        title={a.account_name}
        subtitle={
          <>
            {label(a.account_type)}
            {a.account_purpose ? ` · ${a.account_purpose}` : ""}
          </>
        }
        action={
          <>
            <Button variant="secondary" onClick={() => setImporting(true)}>
              Import CSV
            </Button>
            <Button variant="secondary" onClick={() => setEditingAccount(true)}>
              Edit
            </Button>
            <Button variant="danger" onClick={() => setDeletingAccount(true)}>
              Delete
            </Button>
          </>
        }
      />

      <div className="grid gap-4 sm:grid-cols-3">
        <Stat
          label="Account value"
          value={money(a.total_value)}
          accent="#209DD7"
          hint={
            <LeftOutNote
              testId="account-left-out"
              counts={{ unpriced: a.unpriced_positions, stale: a.stale_positions }}
              allGood={a.positions_count ? undefined : "Cash only so far"}
            />
          }
        />
        <Stat
          label="Invested"
          value={money(a.positions_value)}
          hint={
            a.unpriced_positions
              ? `${a.positions_count - a.unpriced_positions} of ${a.positions_count} positions valued`
              : `${a.positions_count} position(s)`
          }
          accent="#753991"
        />
        <Stat
          label="Cash"
          value={money(a.cash_balance)}
          hint={Number(a.cash_interest) ? `earning ${pct(a.cash_interest, 2)}` : undefined}
          accent="#FFB707"
        />
      </div>

      {(unpriced.length > 0 || stale.length > 0 || unclassified.length > 0) && (
        <div
          className="mt-4 flex gap-3 rounded-xl border border-amber-200 bg-accent-50 px-4 py-3 text-sm text-amber-900"
          role="status"
          data-testid="account-issues"
        >
          <span
            className="grid h-6 w-6 shrink-0 place-items-center rounded-full bg-accent font-bold text-ink"
            aria-hidden
          >
            !
          </span>
          <div className="min-w-0 flex-1 space-y-1">
            {unpriced.length > 0 && (
              <p>
                {symbols(unpriced)} {unpriced.length === 1 ? "has" : "have"} no price, so{" "}
                {plural(unpriced.length, "holding is", "holdings are")} left out of the account
                value. Use <em>Set price</em> to include {unpriced.length === 1 ? "it" : "them"}.
              </p>
            )}
            {stale.length > 0 && (
              <p>
                {symbols(stale)}: {stale.length === 1 ? "the price is" : "the prices are"} stale
                (older than Alex&apos;s limit, or the last refresh failed), so the value may be out
                of date.
              </p>
            )}
            {unclassified.length > 0 && (
              <p>
                {symbols(unclassified)} {unclassified.length === 1 ? "is" : "are"} unclassified:
                left out of the look-through allocation until classified (by you, for your portfolio
                only, or by the Tagger agent during an analysis).
              </p>
            )}
            <p>
              <Link href={HEALTH_HREF} className="font-semibold underline">
                Data health
              </Link>{" "}
              lists every holding to fix, across your accounts.
            </p>
          </div>
        </div>
      )}

      <Card title="Positions" className="mt-6">
        <AddPosition
          accountId={a.id}
          onAdded={(p) => {
            toast.success(addedMessage(p));
            void detail.reload();
          }}
        />
        <div className="relative -mx-5 mt-5 overflow-x-auto border-t border-slate-100">
          {a.positions.length === 0 ? (
            <p className="px-5 py-10 text-center text-sm text-slate-500">
              No positions yet. Add one above, or import a CSV.
            </p>
          ) : (
            <table className="w-full text-sm" data-testid="positions-table">
              <thead className="bg-slate-50 text-left text-xs uppercase tracking-wider text-slate-500">
                <tr>
                  <th className="px-5 py-2.5">Holding</th>
                  <th className="hidden px-3 py-2.5 text-right sm:table-cell">Quantity</th>
                  <th className="px-2 py-2.5 text-right sm:px-3">Price</th>
                  <th className="py-2.5 pl-2 pr-5 text-right sm:px-3">Value</th>
                  <th className="hidden px-3 py-2.5 text-right sm:table-cell">Weight</th>
                  <th className="hidden px-5 py-2.5 text-right sm:table-cell">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {a.positions.map((p) => (
                  <tr
                    key={p.id}
                    className="border-t border-slate-100 hover:bg-slate-50/60"
                    data-testid={`position-${p.symbol}`}
                  >
                    <td className="py-3 pl-5 pr-2 sm:min-w-[10rem] sm:px-5">
                      <span className="font-mono font-bold text-ink">{p.symbol}</span>
                      {p.instrument_name !== p.symbol && (
                        <span className="block text-slate-700">{p.instrument_name}</span>
                      )}
                      {!p.classified && (
                        <span className="mt-1 block">
                          <Badge
                            tone="accent"
                            title="No asset-class, region and sector breakdown yet"
                          >
                            unclassified
                          </Badge>
                        </span>
                      )}
                      {p.classified && p.classification_source === "user" && (
                        <span className="mt-1 block">
                          <Badge
                            tone="brand"
                            title="Your own classification: it applies to your portfolio only"
                          >
                            your classification
                          </Badge>
                        </span>
                      )}
                      <span className="num mt-1 block text-xs text-slate-500 sm:hidden">
                        {quantity(p.quantity)} shares · {pct(p.weight_pct)} of account
                      </span>
                      <span className="mt-1.5 flex flex-wrap gap-1 sm:hidden">
                        <PositionActions p={p} {...actionsFor(p)} />
                      </span>
                    </td>
                    <td className="num hidden px-3 py-3 text-right sm:table-cell">
                      {quantity(p.quantity)}
                    </td>
                    <td className="px-2 py-3 text-right sm:px-3" data-testid="position-price">
                      {p.price === null ? (
                        <Badge tone="bad" title="Left out of every total until it has a price">
                          no price
                        </Badge>
                      ) : (
                        <span className="num">{money(p.price, { cents: true })}</span>
                      )}
                      {p.price !== null && (
                        <span
                          className="mt-0.5 block text-xs text-slate-500 sm:whitespace-nowrap"
                          title={p.price_note ?? undefined}
                        >
                          {describePrice({ ...p, price_stale: false })}
                          {p.price_stale && (
                            <>
                              {" "}
                              — <span className="font-semibold text-amber-700">stale</span>
                            </>
                          )}
                        </span>
                      )}
                    </td>
                    <td className="num py-3 pl-2 pr-5 text-right font-semibold sm:px-3">
                      {money(p.value)}
                    </td>
                    <td className="num hidden px-3 py-3 text-right sm:table-cell">
                      <div className="flex items-center justify-end gap-2">
                        <div className="hidden h-1.5 w-14 overflow-hidden rounded-full bg-slate-100 sm:block">
                          <div
                            className="h-full bg-brand"
                            style={{ width: `${Math.min(100, Number(p.weight_pct ?? 0))}%` }}
                          />
                        </div>
                        {pct(p.weight_pct)}
                      </div>
                    </td>
                    <td className="hidden whitespace-nowrap px-5 py-3 text-right sm:table-cell">
                      <PositionActions p={p} {...actionsFor(p)} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </Card>

      <Modal open={editingAccount} title="Edit account" onClose={() => setEditingAccount(false)}>
        <AccountForm
          account={a}
          onCancel={() => setEditingAccount(false)}
          onDone={() => {
            setEditingAccount(false);
            toast.success("Account saved");
            void detail.reload();
          }}
        />
      </Modal>
      <Modal
        open={!!editing}
        title={`Edit ${editing?.symbol ?? ""}`}
        onClose={() => setEditing(null)}
      >
        {editing && (
          <EditPosition
            position={editing}
            onCancel={() => setEditing(null)}
            onDone={() => {
              setEditing(null);
              toast.success("Position saved");
              void detail.reload();
            }}
          />
        )}
      </Modal>
      <Modal
        open={!!classifying}
        title={`Classify ${classifying?.position.symbol ?? ""}`}
        onClose={() => setClassifying(null)}
        wide
      >
        {classifying && (
          <ClassifyForm
            symbol={classifying.position.symbol}
            name={classifying.position.instrument_name}
            type={classifying.position.instrument_type}
            yours={classifying.yours}
            onCancel={() => setClassifying(null)}
            onDone={(removed) => {
              toast.success(
                `${classifying.position.symbol}: ${removed ? "your classification removed" : "classified"}`,
              );
              setClassifying(null);
              void detail.reload();
            }}
          />
        )}
      </Modal>
      <Modal
        open={!!pricing}
        title={`Set the price of ${pricing?.symbol ?? ""}`}
        onClose={() => setPricing(null)}
      >
        {pricing && (
          <PriceForm
            symbol={pricing.symbol}
            history
            current={{
              price: pricing.price,
              asOf: pricing.price_as_of,
              source: pricing.price_source,
            }}
            onCancel={() => setPricing(null)}
            onDone={(m) => {
              toast.success(m);
              setPricing(null);
              void detail.reload();
            }}
          />
        )}
      </Modal>
      <Modal
        open={importing}
        title="Import positions from CSV"
        onClose={() => setImporting(false)}
        wide
      >
        <ImportCsv
          accountId={a.id}
          onDone={(n) => {
            setImporting(false);
            toast.success(`Imported ${n} position(s)`);
            void detail.reload();
          }}
        />
      </Modal>
      <ConfirmDialog
        open={deletingAccount}
        title="Delete account?"
        busy={busy}
        onCancel={() => setDeletingAccount(false)}
        onConfirm={removeAccount}
        message={
          <>
            This permanently deletes <strong>{a.account_name}</strong> and its {a.positions_count}{" "}
            position(s).
          </>
        }
      />
      <ConfirmDialog
        open={!!deleting}
        title={`Remove ${deleting?.symbol ?? ""}?`}
        confirmLabel="Remove"
        busy={busy}
        onCancel={() => setDeleting(null)}
        onConfirm={removePosition}
        message={
          <>
            Remove the <strong>{deleting?.symbol}</strong> position from {a.account_name}?
          </>
        }
      />
    </Layout>
  );
}
