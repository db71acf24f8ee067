// Target allocations: each set of weights must total 100 (± 0.01), like the server checks.

export const ASSET_CLASSES = [
  "equity",
  "fixed_income",
  "real_estate",
  "commodities",
  "cash",
] as const;
export const REGIONS = [
  "north_america",
  "europe",
  "asia_pacific",
  "emerging_markets",
  "other",
] as const;
export const SECTORS = [
  "technology",
  "healthcare",
  "financials",
  "consumer_discretionary",
  "consumer_staples",
  "industrials",
  "energy",
  "utilities",
  "real_estate",
  "materials",
  "communication",
  "government_bonds",
  "corporate_bonds",
  "securitized",
  "precious_metals",
  "cash",
  "other",
] as const;

export type Weights = Record<string, string>;

export const TOLERANCE = 0.01;

export function total(weights: Weights): number {
  let sum = 0;
  for (const v of Object.values(weights)) {
    const n = Number(v === "" ? 0 : v);
    if (Number.isFinite(n)) sum += n;
  }
  return Math.round(sum * 1e6) / 1e6;
}

/** null when valid, else a message for the user. */
export function allocationError(weights: Weights): string | null {
  for (const [k, v] of Object.entries(weights)) {
    if (v === "") continue;
    const n = Number(v);
    if (!Number.isFinite(n)) return `${k.replace(/_/g, " ")} is not a number`;
    if (n < 0 || n > 100) return `Each weight must be between 0 and 100`;
  }
  const t = total(weights);
  if (Math.abs(t - 100) > TOLERANCE) return `Must total 100% — currently ${+t.toFixed(2)}%`;
  return null;
}

/** Form strings for every key (missing keys as ""), from the API's numeric map. */
export function toForm(
  keys: readonly string[],
  values: Record<string, number | string> | null | undefined,
): Weights {
  const out: Weights = {};
  for (const k of keys) {
    const v = values?.[k];
    out[k] = v === undefined || v === null || Number(v) === 0 ? "" : String(Number(v));
  }
  return out;
}

/** The API's numeric map from form strings, omitting zero weights. */
export function fromForm(weights: Weights): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(weights)) {
    const n = Number(v);
    if (v !== "" && Number.isFinite(n) && n !== 0) out[k] = n;
  }
  return out;
}
