import { useEffect, useId, useRef, useState } from "react";
import { Badge } from "@/components/ui";
import { api } from "@/lib/api";
import { money } from "@/lib/format";
import { hasBreakdown, instrumentKind, lookup } from "@/lib/holdings";
import type { Instrument } from "@/lib/types";

function BreakdownBadge({ instrument }: { instrument: Instrument }) {
  return hasBreakdown(instrument) ? (
    <Badge tone="good" title="Alex knows its asset-class, region and sector breakdown">
      classified
    </Badge>
  ) : (
    <Badge tone="accent" title="Left out of the look-through allocation until classified">
      no breakdown yet
    </Badge>
  );
}

/** Accessible combobox: type a ticker or a name, pick with the arrows and Enter (or the
 *  mouse), or keep any symbol. Says what Alex knows of the symbol typed: its name, type and
 *  whether it has a breakdown, or that an unknown symbol starts unpriced and unclassified. */
export function SymbolInput({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (v: string) => void;
  error?: string | null;
}) {
  const id = useId();
  const [items, setItems] = useState<Instrument[]>([]);
  const [searchedFor, setSearchedFor] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const timer = useRef<number | undefined>(undefined);
  // The list closes a moment after the field loses focus (so a click on an option lands);
  // focusing or typing again cancels that, or a quick return would find the list shut.
  const closing = useRef<number | undefined>(undefined);
  const keepOpen = () => {
    window.clearTimeout(closing.current);
    setOpen(true);
  };
  const latest = useRef("");

  // An emptied field forgets the last results at once (while rendering, not in an effect).
  const query = value.trim();
  const [prevQuery, setPrevQuery] = useState(query);
  if (query !== prevQuery) {
    setPrevQuery(query);
    if (!query) {
      setItems([]);
      setSearchedFor(null);
    }
  }

  useEffect(() => {
    latest.current = query;
    window.clearTimeout(timer.current);
    if (!query) return;
    const search = async () => {
      try {
        const res = await api<Instrument[]>("/api/instruments", { query: { q: query, limit: 8 } });
        // A slower, older search must not overwrite the results of the latest one.
        if (latest.current === query) {
          setItems(res);
          setSearchedFor(query);
          setActive(-1);
        }
      } catch {
        if (latest.current === query) {
          setItems([]);
          setSearchedFor(null);
        }
      }
    };
    timer.current = window.setTimeout(() => void search(), 150);
    return () => window.clearTimeout(timer.current);
  }, [query]);

  const choose = (i: Instrument) => {
    onChange(i.symbol);
    setOpen(false);
  };
  const found = lookup(value, searchedFor, items);
  const show = open && items.length > 0;
  const hintId = `${id}-hint`;

  let hint = null;
  if (found.state === "known") {
    const i = found.instrument;
    hint = (
      <p
        id={hintId}
        data-testid="symbol-hint"
        data-state="known"
        className="mt-1 flex flex-wrap items-center gap-1.5 text-xs text-slate-600"
      >
        <span className="min-w-0 truncate font-medium text-ink">{i.name}</span>
        {instrumentKind(i.instrument_type) && <span>· {instrumentKind(i.instrument_type)}</span>}
        <BreakdownBadge instrument={i} />
        {i.current_price === null && (
          <Badge tone="accent" title="Left out of totals until it has a price">
            no price yet
          </Badge>
        )}
      </p>
    );
  } else if (found.state === "unknown") {
    hint = (
      <p
        id={hintId}
        data-testid="symbol-hint"
        data-state="unknown"
        className="mt-1 text-xs text-amber-800"
      >
        <strong className="font-mono">{found.symbol}</strong> is not a symbol Alex knows. You can
        still add it: it stays unpriced and unclassified (left out of totals) until you set its
        price and classification.
      </p>
    );
  }

  return (
    <div className="relative min-w-0">
      <label htmlFor={id} className="mb-1 block text-xs font-semibold text-ink-700">
        Symbol
      </label>
      <input
        id={id}
        name="symbol"
        role="combobox"
        aria-expanded={show}
        aria-controls={`${id}-list`}
        aria-autocomplete="list"
        autoComplete="off"
        aria-activedescendant={show && active >= 0 ? `${id}-opt-${active}` : undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={hint ? hintId : undefined}
        className="w-full rounded-lg border border-slate-300 bg-white px-3 py-2 font-mono text-sm uppercase text-ink shadow-sm placeholder:font-sans placeholder:normal-case placeholder:text-slate-400 focus:border-brand focus:outline-none focus:ring-2 focus:ring-brand/30 aria-[invalid=true]:border-bad"
        placeholder="e.g. VTI or Vanguard"
        value={value}
        maxLength={20}
        onChange={(e) => {
          onChange(e.target.value.toUpperCase());
          keepOpen();
        }}
        onFocus={keepOpen}
        onBlur={() => {
          closing.current = window.setTimeout(() => setOpen(false), 120);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" && !show && items.length) {
            e.preventDefault();
            setOpen(true);
            return;
          }
          if (!show) return;
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setActive((a) => Math.min(items.length - 1, a + 1));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((a) => Math.max(0, a - 1));
          } else if (e.key === "Enter" && active >= 0) {
            e.preventDefault();
            choose(items[active]);
          } else if (e.key === "Escape") {
            e.preventDefault();
            setOpen(false);
          }
        }}
      />
      {error && (
        <p role="alert" className="mt-1 text-xs font-medium text-bad">
          {error}
        </p>
      )}
      {!show && hint}
      {show && (
        <ul
          id={`${id}-list`}
          role="listbox"
          aria-label="Matching instruments"
          className="absolute z-30 mt-1 max-h-80 w-full min-w-[min(320px,calc(100vw-2rem))] overflow-auto rounded-xl border border-slate-200 bg-white py-1 shadow-xl"
        >
          {items.map((it, i) => (
            <li
              key={it.symbol}
              id={`${id}-opt-${i}`}
              role="option"
              aria-selected={i === active}
              data-testid={`symbol-option-${it.symbol}`}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(it);
              }}
              onMouseEnter={() => setActive(i)}
              className={`cursor-pointer px-3 py-2 text-sm ${i === active ? "bg-brand-50" : ""}`}
            >
              <div className="flex items-baseline gap-3">
                <span className="w-16 shrink-0 font-mono font-bold text-ink">{it.symbol}</span>
                <span className="min-w-0 flex-1 truncate text-slate-700">{it.name}</span>
              </div>
              <div className="mt-0.5 flex flex-wrap items-center gap-1.5 pl-[4.75rem] text-xs text-slate-500">
                {instrumentKind(it.instrument_type) && (
                  <span>{instrumentKind(it.instrument_type)}</span>
                )}
                <BreakdownBadge instrument={it} />
                {it.current_price !== null ? (
                  <span className="num">{money(it.current_price, { cents: true })}</span>
                ) : (
                  <span>no price yet</span>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
