// What the web app says about a holding's price and classification, and what every total
// leaves out. Pure functions, so the wording is tested once and reads the same on every page.
import { label } from "./format";
import type { AccountDetail, Instrument, Position, StalePrice } from "./types";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "1 holding" / "3 holdings". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** An API date ("2026-11-28") as year, month (1–12) and day, never shifted by the time zone. */
export function parseDay(
  iso: string | null | undefined,
): { y: number; m: number; d: number } | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso ?? "");
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  return { y, m, d };
}

/** Today in the user's own calendar, as the API writes dates (a price "as of" today). */
export function todayIso(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** "28 Nov" this year, "28 Nov 2025" otherwise. */
export function shortDate(iso: string | null | undefined, today: string = todayIso()): string {
  const day = parseDay(iso);
  if (!day) return "—";
  const base = `${day.d} ${MONTHS[day.m - 1]}`;
  return day.y === parseDay(today)?.y ? base : `${base} ${day.y}`;
}

/** Whole days from `iso` to `today` (negative when `iso` is later). */
export function ageDays(iso: string | null | undefined, today: string = todayIso()): number | null {
  const a = parseDay(iso),
    b = parseDay(today);
  if (!a || !b) return null;
  return Math.round((Date.UTC(b.y, b.m - 1, b.d) - Date.UTC(a.y, a.m - 1, a.d)) / 86_400_000);
}

const BROKERS: Record<string, string> = {
  fidelity: "Fidelity",
  schwab: "Schwab",
  vanguard: "Vanguard",
};
const PROVIDERS: Record<string, string> = { polygon: "Polygon", tiingo: "Tiingo", seed: "seed" };

/** A price the user typed or imported (theirs alone), as opposed to a shared one. */
export function isOwnPrice(source: string | null | undefined): boolean {
  return source === "user" || (source ?? "").startsWith("import:");
}

/** Where a price comes from, in words: "your price", "your Fidelity file", "Polygon", "seed". */
export function priceSourceLabel(source: string | null | undefined): string | null {
  if (!source) return null;
  if (source === "user") return "your price";
  if (source.startsWith("import:")) {
    const broker = BROKERS[source.slice("import:".length)];
    return broker ? `your ${broker} file` : "your CSV import";
  }
  return PROVIDERS[source] ?? source;
}

export interface PriceFacts {
  price: string | number | null;
  price_as_of: string | null;
  price_source: string | null;
  price_stale: boolean;
}

/** "your price, 28 Nov", "seed, 20 Nov — stale", or "no price". */
export function describePrice(p: PriceFacts, today: string = todayIso()): string {
  if (p.price === null || p.price === undefined) return "no price";
  const parts = [
    priceSourceLabel(p.price_source),
    p.price_as_of ? shortDate(p.price_as_of, today) : null,
  ].filter(Boolean);
  const text = parts.length ? parts.join(", ") : "date unknown";
  return p.price_stale ? `${text} — stale` : text;
}

/** "ETF", "Mutual fund", "Stock"…; null when the type is unknown. */
export function instrumentKind(type: string | null | undefined): string | null {
  return type ? label(type) : null;
}

/** Alex has a full breakdown (asset class, regions and sectors) for the instrument. */
export function hasBreakdown(
  i: Pick<Instrument, "allocation_asset_class" | "allocation_regions" | "allocation_sectors">,
): boolean {
  const full = (v: Record<string, number> | null) => !!v && Object.keys(v).length > 0;
  return full(i.allocation_asset_class) && full(i.allocation_regions) && full(i.allocation_sectors);
}

export interface LeftOutCounts {
  unpriced: number;
  stale: number;
  unclassified?: number;
}

/** What a total leaves out or rests on: ["2 holdings not valued", "1 stale price"]. */
export function leftOut(c: LeftOutCounts): string[] {
  const out: string[] = [];
  if (c.unpriced) out.push(`${plural(c.unpriced, "holding")} not valued`);
  if (c.stale) out.push(plural(c.stale, "stale price"));
  if (c.unclassified) out.push(`${plural(c.unclassified, "holding")} unclassified`);
  return out;
}

/** The API's coverage statement ("X% of valued holdings classified; N holdings not valued")
 *  split so the "not valued" part can link to where it is fixed. */
export function splitStatement(statement: string): {
  classified: string;
  notValued: string | null;
} {
  const i = statement.indexOf(";");
  if (i < 0) return { classified: statement.trim(), notValued: null };
  return {
    classified: statement.slice(0, i).trim(),
    notValued: statement.slice(i + 1).trim() || null,
  };
}

// ----------------------------------------------------------------------------- symbol lookup

export type Lookup =
  | { state: "empty" }
  | { state: "searching" }
  | { state: "known"; instrument: Instrument }
  | { state: "unknown"; symbol: string };

/** What the symbol field knows about what was typed: `results` are the search results for
 *  `searchedFor` (which may lag behind `value` while a search is in flight). */
export function lookup(value: string, searchedFor: string | null, results: Instrument[]): Lookup {
  const symbol = value.trim().toUpperCase();
  if (!symbol) return { state: "empty" };
  if (searchedFor === null || searchedFor.trim().toUpperCase() !== symbol)
    return { state: "searching" };
  const found = results.find((r) => r.symbol === symbol);
  return found ? { state: "known", instrument: found } : { state: "unknown", symbol };
}

// ----------------------------------------------------------------------------- data health

export interface HealthItem {
  symbol: string;
  name: string;
  instrumentType: Position["instrument_type"];
  accounts: { id: string; name: string }[];
  price: string | null;
  priceAsOf: string | null;
  priceSource: string | null;
  /** Stale items: "old" or "refresh_failed", with the API's explanation. */
  reason: StalePrice["reason"] | null;
  detail: string | null;
}

export interface Health {
  unpriced: HealthItem[];
  stale: HealthItem[];
  unclassified: HealthItem[];
}

/** Every held symbol that is unpriced, stale or unclassified, once per symbol (a price or a
 *  classification is per user and symbol, so one fix covers every account holding it).
 *  `stalePrices` (the portfolio's data quality) says why a price is stale, when known. */
export function healthOf(accounts: AccountDetail[], stalePrices: StalePrice[] = []): Health {
  const why = new Map(stalePrices.map((s) => [s.symbol, s]));
  const bySymbol = new Map<string, { p: Position; accounts: { id: string; name: string }[] }>();
  for (const a of accounts) {
    for (const p of a.positions) {
      const seen = bySymbol.get(p.symbol);
      if (seen) {
        if (!seen.accounts.some((x) => x.id === a.id))
          seen.accounts.push({ id: a.id, name: a.account_name });
      } else {
        bySymbol.set(p.symbol, { p, accounts: [{ id: a.id, name: a.account_name }] });
      }
    }
  }
  const health: Health = { unpriced: [], stale: [], unclassified: [] };
  for (const [symbol, { p, accounts: held }] of [...bySymbol].sort(([x], [y]) =>
    x.localeCompare(y),
  )) {
    const stale = why.get(symbol);
    const item: HealthItem = {
      symbol,
      name: p.instrument_name,
      instrumentType: p.instrument_type,
      accounts: held,
      price: p.price,
      priceAsOf: p.price_as_of,
      priceSource: p.price_source,
      reason: p.price_stale ? (stale?.reason ?? "old") : null,
      detail: p.price_stale ? (stale?.detail ?? p.price_note) : null,
    };
    if (p.price === null) health.unpriced.push(item);
    else if (p.price_stale) health.stale.push(item);
    if (!p.classified) health.unclassified.push(item);
  }
  return health;
}

export function healthCount(h: Health): number {
  return h.unpriced.length + h.stale.length + h.unclassified.length;
}
