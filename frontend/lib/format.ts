// Numbers arrive as JSON numbers or as decimal strings (the API serialises Decimal as text).

export type Numeric = number | string | null | undefined;

export function num(v: Numeric): number | null {
  if (v === null || v === undefined || v === "") return null;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

const usd0 = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  maximumFractionDigits: 0,
});
const usd2 = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const compact = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  notation: "compact",
  maximumFractionDigits: 1,
});

export function money(v: Numeric, opts: { cents?: boolean; compact?: boolean } = {}): string {
  const n = num(v);
  if (n === null) return "—";
  if (opts.compact) return compact.format(n);
  return (opts.cents ? usd2 : usd0).format(n);
}

export function pct(v: Numeric, digits = 1): string {
  const n = num(v);
  if (n === null) return "—";
  return `${n.toFixed(digits)}%`;
}

export function signedPct(v: Numeric, digits = 1): string {
  const n = num(v);
  if (n === null) return "—";
  return `${n > 0 ? "+" : ""}${n.toFixed(digits)}%`;
}

export function quantity(v: Numeric): string {
  const n = num(v);
  if (n === null) return "—";
  return n.toLocaleString("en-US", { maximumFractionDigits: 6 });
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return d.toLocaleString("en-US", {
    month: "short",
    day: "numeric",
    year: "numeric",
    hour: "numeric",
    minute: "2-digit",
  });
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s % 60)} s`;
}

/** "fixed_income" → "Fixed income"; "north_america" → "North America"; "401k" → "401(k)". */
const LABELS: Record<string, string> = {
  equity: "Equity",
  fixed_income: "Fixed income",
  real_estate: "Real estate",
  commodities: "Commodities",
  cash: "Cash",
  north_america: "North America",
  europe: "Europe",
  asia_pacific: "Asia Pacific",
  emerging_markets: "Emerging markets",
  other: "Other",
  "401k": "401(k)",
  roth_401k: "Roth 401(k)",
  "403b": "403(b)",
  traditional_ira: "Traditional IRA",
  roth_ira: "Roth IRA",
  sep_ira: "SEP IRA",
  hsa: "HSA",
  "529": "529 plan",
  taxable: "Taxable brokerage",
  etf: "ETF",
  mutual_fund: "Mutual fund",
  stock: "Stock",
  bond: "Bond",
  bond_fund: "Bond fund",
  commodity: "Commodity",
  reit: "REIT",
};

export function label(key: string): string {
  if (key in LABELS) return LABELS[key];
  const s = key.replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}
