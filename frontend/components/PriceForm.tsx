import { useState, type FormEvent } from "react";
import { Button, TextField } from "@/components/ui";
import { api, ApiError } from "@/lib/api";
import { money } from "@/lib/format";
import { isOwnPrice, priceSourceLabel, shortDate, todayIso } from "@/lib/holdings";
import type { Instrument, PriceHistoryEntry } from "@/lib/types";
import { useApi } from "@/lib/useApi";

export interface CurrentPrice {
  price: string | null;
  asOf: string | null;
  source: string | null;
}

/** Set the user's own price for a holding (price and date, default today) — it applies to
 *  their portfolio only — or drop their prices and go back to the shared one. `compact` is the
 *  inline form of the data health page. */
export function PriceForm({
  symbol,
  current,
  onDone,
  onCancel,
  compact,
  history,
}: {
  symbol: string;
  current: CurrentPrice;
  onDone: (message: string) => void;
  onCancel?: () => void;
  compact?: boolean;
  /** Show the stored prices (shared and the user's own). */
  history?: boolean;
}) {
  const today = todayIso();
  const [price, setPrice] = useState("");
  const [asOf, setAsOf] = useState(today);
  const [busy, setBusy] = useState<"save" | "clear" | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const path = `/api/instruments/${encodeURIComponent(symbol)}`;
  const own = isOwnPrice(current.source);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy("save");
    setError(null);
    try {
      await api<Instrument>(`${path}/price`, {
        method: "PUT",
        body: { price: price.trim(), as_of: asOf || null },
      });
      onDone(`${symbol} priced at ${money(price, { cents: true })}`);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(null);
    }
  };
  const clear = async () => {
    setBusy("clear");
    setError(null);
    try {
      await api(`${path}/price`, { method: "DELETE" });
      onDone(`${symbol}: your prices removed`);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(null);
    }
  };

  const fields = (
    <>
      <TextField
        label="Price per share"
        name="price"
        type="number"
        min={0}
        step="any"
        inputMode="decimal"
        prefix="$"
        required
        value={price}
        onChange={(e) => setPrice(e.target.value)}
        error={error?.fieldMessage("price")}
        placeholder="e.g. 41.20"
      />
      <TextField
        label="As of"
        name="as_of"
        type="date"
        max={today}
        required
        value={asOf}
        onChange={(e) => setAsOf(e.target.value)}
        error={error?.fieldMessage("as_of")}
      />
    </>
  );
  const problem = error && !error.fields.length && (
    <p role="alert" className="text-sm text-bad sm:col-span-3">
      {error.message}
    </p>
  );
  const valid = Number(price) > 0 && !!asOf && asOf <= today;

  if (compact) {
    return (
      <form
        onSubmit={submit}
        aria-label={`Set the price of ${symbol}`}
        className="grid items-start gap-2 sm:grid-cols-[1fr_1fr_auto]"
      >
        {fields}
        <div className="sm:pt-5">
          <Button
            type="submit"
            size="md"
            busy={busy === "save"}
            disabled={!valid}
            className="w-full"
          >
            Save price
          </Button>
        </div>
        {problem}
      </form>
    );
  }
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-600">
        {current.price !== null ? (
          <>
            Now valued at <strong className="num">{money(current.price, { cents: true })}</strong> (
            {[priceSourceLabel(current.source), current.asOf ? shortDate(current.asOf) : null]
              .filter(Boolean)
              .join(", ")}
            ).
          </>
        ) : (
          <>
            Alex has no price for <strong className="font-mono">{symbol}</strong>, so it is left out
            of every total.
          </>
        )}{" "}
        Your price applies to your portfolio only and values this holding until a newer price
        arrives (from the price provider or from you).
      </p>
      <form
        onSubmit={submit}
        aria-label={`Set the price of ${symbol}`}
        className="grid gap-3 sm:grid-cols-2"
      >
        {fields}
        {problem}
        <div className="flex flex-wrap justify-end gap-2 sm:col-span-2">
          {onCancel && (
            <Button type="button" variant="secondary" onClick={onCancel}>
              Cancel
            </Button>
          )}
          <Button type="submit" busy={busy === "save"} disabled={!valid || busy !== null}>
            Save price
          </Button>
        </div>
      </form>
      {own && (
        <div className="flex flex-wrap items-center justify-between gap-2 rounded-lg border border-slate-200 bg-slate-50 px-3 py-2 text-sm">
          <span className="text-slate-600">
            Forget every price you set or imported for {symbol} and go back to the shared price
            (with none, {symbol} is left out of totals again).
          </span>
          <Button
            type="button"
            size="sm"
            variant="secondary"
            busy={busy === "clear"}
            disabled={busy !== null}
            onClick={clear}
          >
            Use the shared price
          </Button>
        </div>
      )}
      {history && <PriceHistory symbol={symbol} />}
    </div>
  );
}

function PriceHistory({ symbol }: { symbol: string }) {
  const prices = useApi<PriceHistoryEntry[]>(
    `/api/instruments/${encodeURIComponent(symbol)}/prices?limit=6`,
  );
  if (!prices.data?.length) return null;
  return (
    <div>
      <h3 className="mb-1 text-xs font-semibold uppercase tracking-wider text-slate-500">
        Recent prices
      </h3>
      <table className="w-full text-sm" data-testid="price-history">
        <tbody>
          {prices.data.map((p, i) => (
            <tr key={`${p.as_of}-${p.source}-${i}`} className="border-t border-slate-100">
              <td className="py-1.5 text-slate-600">{shortDate(p.as_of)}</td>
              <td className="py-1.5 text-slate-600">
                {priceSourceLabel(p.source) ?? (p.yours ? "yours" : "shared")}
              </td>
              <td className="num py-1.5 text-right">{money(p.price, { cents: true })}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
