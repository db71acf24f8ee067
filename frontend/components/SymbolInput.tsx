import { useEffect, useId, useRef, useState } from "react";
import { api } from "@/lib/api";
import { label, money } from "@/lib/format";
import type { Instrument } from "@/lib/types";

/** Accessible combobox: type a ticker or name, pick with arrows + Enter, or keep any symbol. */
export function SymbolInput({ value, onChange, error }: { value: string; onChange: (v: string) => void; error?: string | null }) {
  const id = useId();
  const [items, setItems] = useState<Instrument[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const timer = useRef<number | undefined>(undefined);
  const lastQ = useRef("");

  useEffect(() => {
    const q = value.trim();
    window.clearTimeout(timer.current);
    if (!q) { setItems([]); return; }
    timer.current = window.setTimeout(async () => {
      lastQ.current = q;
      try {
        const res = await api<Instrument[]>("/api/instruments", { query: { q, limit: 8 } });
        if (lastQ.current === q) { setItems(res); setActive(-1); }
      } catch { setItems([]); }
    }, 150);
    return () => window.clearTimeout(timer.current);
  }, [value]);

  const choose = (i: Instrument) => { onChange(i.symbol); setOpen(false); };
  const show = open && items.length > 0 && !(items.length === 1 && items[0].symbol === value.trim().toUpperCase());

  return (
    <div className="relative">
      <label htmlFor={id} className="mb-1 block text-xs font-semibold text-ink-700">Symbol</label>
      <input id={id} name="symbol" role="combobox" aria-expanded={show} aria-controls={`${id}-list`} aria-autocomplete="list" autoComplete="off"
        aria-activedescendant={active >= 0 ? `${id}-opt-${active}` : undefined} aria-invalid={error ? true : undefined}
        className="w-full rounded-lg border border-slate-300 bg-white px-3 py-2 font-mono text-sm uppercase text-ink shadow-sm placeholder:font-sans placeholder:normal-case placeholder:text-slate-400 focus:border-brand focus:outline-none focus:ring-2 focus:ring-brand/30 aria-[invalid=true]:border-bad"
        placeholder="e.g. VTI or Vanguard" value={value}
        onChange={(e) => { onChange(e.target.value.toUpperCase()); setOpen(true); }}
        onFocus={() => setOpen(true)} onBlur={() => window.setTimeout(() => setOpen(false), 120)}
        onKeyDown={(e) => {
          if (!show) return;
          if (e.key === "ArrowDown") { e.preventDefault(); setActive((a) => Math.min(items.length - 1, a + 1)); }
          else if (e.key === "ArrowUp") { e.preventDefault(); setActive((a) => Math.max(0, a - 1)); }
          else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(items[active]); }
          else if (e.key === "Escape") setOpen(false);
        }} />
      {error && <p role="alert" className="mt-1 text-xs font-medium text-bad">{error}</p>}
      {show && (
        <ul id={`${id}-list`} role="listbox" className="absolute z-30 mt-1 max-h-72 w-full min-w-[280px] overflow-auto rounded-xl border border-slate-200 bg-white py-1 shadow-xl">
          {items.map((it, i) => (
            <li key={it.symbol} id={`${id}-opt-${i}`} role="option" aria-selected={i === active}
              onMouseDown={(e) => { e.preventDefault(); choose(it); }} onMouseEnter={() => setActive(i)}
              className={`flex cursor-pointer items-center gap-3 px-3 py-2 text-sm ${i === active ? "bg-brand-50" : ""}`}>
              <span className="w-16 shrink-0 font-mono font-bold text-ink">{it.symbol}</span>
              <span className="flex-1 truncate text-slate-600">{it.name}</span>
              <span className="shrink-0 text-xs text-slate-400">{it.instrument_type ? label(it.instrument_type) : ""} {it.current_price ? money(it.current_price, { cents: true }) : ""}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
