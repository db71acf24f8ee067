// How a figure reads, in one place for the web app. The rules are the ones of the Python side
// (src/alex/core/format.py), so a number reads the same on a page, in the report, the charts
// and the CLI: round half up (away from zero) from the number's shortest decimal form — the
// digits `String(n)` prints, or the API's decimal string as sent — never from the binary float
// (`(18.25).toFixed(1)` and Python's `f"{18.25:.1f}"` disagree; both sides here say 18.3).
// Both are tested against the same cases (tests/fixtures/format-cases.json). A negative figure
// carries U+2212; a signed figure that rounds to zero has no sign.
import LABELS from "./labels.json";

// Numbers arrive as JSON numbers or as decimal strings (the API serialises Decimal as text).
export type Numeric = number | string | null | undefined;

export const MINUS = "\u2212";
const MISSING = "—";

export function num(v: Numeric): number | null {
  if (v === null || v === undefined || v === "") return null;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

// ----------------------------------------------------------------------------- decimal digits

/** A decimal as its digits: `int` without leading zeros ("0" at least), `frac` as written. */
interface Decimal {
  negative: boolean;
  int: string;
  frac: string;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function toDecimal(v: Numeric): Decimal | null {
  let text: string;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return null;
    text = String(v);
  } else if (typeof v === "string") {
    text = v.trim();
  } else return null;
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === "" && !m[3])) return null;
  let digits = m[2] + (m[3] ?? "");
  let point = m[2].length + (m[4] ? parseInt(m[4], 10) : 0);
  if (point < 0) {
    digits = "0".repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += "0".repeat(point - digits.length);
  return {
    negative: m[1] === "-",
    int: digits.slice(0, point).replace(/^0+/, "") || "0",
    frac: digits.slice(point),
  };
}

/** "1299" + 1 → "1300", "999" + 1 → "1000". */
function increment(digits: string): string {
  const out = digits.split("");
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== "9") {
      out[i] = String(Number(out[i]) + 1);
      return out.join("");
    }
    out[i] = "0";
  }
  return "1" + out.join("");
}

function roundHalfUp(d: Decimal, digits: number): Decimal {
  const frac = d.frac.padEnd(digits, "0");
  let all = d.int + frac.slice(0, digits);
  if (frac.charAt(digits) >= "5") all = increment(all);
  return {
    negative: d.negative,
    int: all.slice(0, all.length - digits).replace(/^0+/, "") || "0",
    frac: all.slice(all.length - digits),
  };
}

function isZero(d: Decimal): boolean {
  return /^0*$/.test(d.int + d.frac);
}

/** Digits with thousands separators, e.g. "1,234.5". */
function grouped(d: Decimal): string {
  const int = d.int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return d.frac ? `${int}.${d.frac}` : int;
}

function signed(d: Decimal, body: string, plus: boolean): string {
  if (isZero(d)) return body;
  if (d.negative) return MINUS + body;
  return plus ? `+${body}` : body;
}

/** Scale a decimal down by 10^power (exact: the digits move). */
function shift(d: Decimal, power: number): Decimal {
  const digits = d.int + d.frac;
  let point = d.int.length - power;
  let all = digits;
  if (point < 0) {
    all = "0".repeat(-point) + all;
    point = 0;
  }
  return {
    negative: d.negative,
    int: all.slice(0, point).replace(/^0+/, "") || "0",
    frac: all.slice(point),
  };
}

function atLeastThousand(d: Decimal): boolean {
  return d.int.length >= 4;
}

// ----------------------------------------------------------------------------- figures

/** A plain number with thousands separators: `10,000`, `4.7`. */
export function number(v: Numeric, digits = 0): string {
  const d = toDecimal(v);
  if (!d) return MISSING;
  const r = roundHalfUp(d, digits);
  return signed(r, grouped(r), false);
}

/** Dollars in few characters, for chart axes and tight tiles: `$1.7M`, `$302.9K`, `$950`,
 *  `$2M`. A value that rounds up to the next unit moves to it (999,960 is `$1M`). */
export function moneyCompact(v: Numeric): string {
  const d = toDecimal(v);
  if (!d) return MISSING;
  let power = 0;
  let suffix = "";
  for (const [p, s] of [
    [3, "K"],
    [6, "M"],
    [9, "B"],
  ] as const) {
    if (atLeastThousand(roundHalfUp(shift(d, power), suffix ? 1 : 0))) {
      power = p;
      suffix = s;
    }
  }
  const r = roundHalfUp(shift(d, power), suffix ? 1 : 0);
  const body = grouped(r).replace(/\.0$/, "");
  return signed(r, `$${body}${suffix}`, false);
}

/** Dollars: `$302,896` (whole dollars), `$12,100.50` with cents, `−$1,200`. */
export function money(v: Numeric, opts: { cents?: boolean; compact?: boolean } = {}): string {
  if (opts.compact) return moneyCompact(v);
  const d = toDecimal(v);
  if (!d) return MISSING;
  const r = roundHalfUp(d, opts.cents ? 2 : 0);
  return signed(r, `$${grouped(r)}`, false);
}

/** What model calls cost, which is often a fraction of a cent: `$0.0028`, `$1.25`. Four
 *  decimals under a dollar, cents above. */
export function modelCost(v: Numeric): string {
  const d = toDecimal(v);
  if (!d) return MISSING;
  const n = num(v);
  const r = roundHalfUp(d, n !== null && Math.abs(n) < 1 ? 4 : 2);
  return signed(r, `$${grouped(r)}`, false);
}

/** A value already in percent (0–100): `42.3%`; `+2.5%` when `signed`. */
export function pct(v: Numeric, digits = 1, opts: { signed?: boolean } = {}): string {
  const d = toDecimal(v);
  if (!d) return MISSING;
  const r = roundHalfUp(d, digits);
  return signed(r, `${grouped(r)}%`, opts.signed ?? false);
}

export function signedPct(v: Numeric, digits = 1): string {
  return pct(v, digits, { signed: true });
}

/** Percentage points, the difference between two percentages: `+8.6 pts`, `−9.1 pts`;
 *  unsigned (a band, a sampling error): `5.0 pts`. */
export function pts(v: Numeric, digits = 1, opts: { signed?: boolean } = {}): string {
  const d = toDecimal(v);
  if (!d) return MISSING;
  const r = roundHalfUp(d, digits);
  return signed(r, `${grouped(r)} pts`, opts.signed ?? true);
}

/** The value as shown at `digits` places, as a number (e.g. to judge a delta's sign). */
export function rounded(v: Numeric, digits = 0): number | null {
  const d = toDecimal(v);
  if (!d) return null;
  const r = roundHalfUp(d, digits);
  const n = Number(`${r.int}.${r.frac || "0"}`);
  return isZero(r) ? 0 : r.negative ? -n : n;
}

export function quantity(v: Numeric): string {
  const n = num(v);
  if (n === null) return MISSING;
  return n.toLocaleString("en-US", { maximumFractionDigits: 6 });
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return MISSING;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return MISSING;
  return d.toLocaleString("en-US", {
    month: "short",
    day: "numeric",
    year: "numeric",
    hour: "numeric",
    minute: "2-digit",
  });
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return MISSING;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s % 60)} s`;
}

const NAMES: Record<string, string> = LABELS;

/** The name a vocabulary key reads as: "north_america" → "North America", "401k" → "401(k)";
 *  the table is Python's (lib/labels.json is written by `python -m alex.core.format`). */
export function label(key: string): string {
  if (Object.hasOwn(NAMES, key)) return NAMES[key];
  const s = key.replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}
