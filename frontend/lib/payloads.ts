// Typed readers for the job payloads and the portfolio analysis. The OpenAPI schema types these
// as free-form JSON (dict[str, Any]), so every field the UI reads is checked here, in one place.

type Rec = Record<string, unknown>;

export function isRec(v: unknown): v is Rec {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function numOf(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return null;
}

function strOf(v: unknown): string | null {
  return typeof v === "string" && v.length > 0 ? v : null;
}

/** First present value among `keys` (supports dotted paths). */
function pick(obj: unknown, ...keys: string[]): unknown {
  for (const k of keys) {
    let cur: unknown = obj;
    for (const part of k.split(".")) cur = isRec(cur) ? cur[part] : undefined;
    if (cur !== undefined && cur !== null) return cur;
  }
  return undefined;
}

// ----------------------------------------------------------------------------- charts

export const CHART_TYPES = ["pie", "donut", "bar", "horizontal_bar", "area", "line"] as const;
export type ChartType = (typeof CHART_TYPES)[number];

export interface ChartDatum {
  name: string;
  value: number;
  color?: string | null;
  [k: string]: unknown;
}
export interface ChartSeries {
  key: string;
  name: string;
  color?: string | null;
}
export interface ReferenceLine {
  axis: "x" | "y";
  value: number;
  label: string;
}
export interface ChartSpec {
  key: string;
  title: string;
  type: ChartType;
  description: string;
  data: ChartDatum[];
  /** "percent" | "currency" | "pp" (percentage points) */
  unit?: string;
  series?: ChartSeries[];
  /** Fan chart: percentile bands per age/year (drawn instead of `data`). */
  bands?: FanPoint[];
  referenceLines?: ReferenceLine[];
  xLabel?: string;
  yLabel?: string;
  centerLabel?: string;
  centerCaption?: string;
}

export function readChart(v: unknown, index = 0): ChartSpec | null {
  if (!isRec(v)) return null;
  const type = String(v.type ?? v.chart_type ?? "");
  if (!(CHART_TYPES as readonly string[]).includes(type)) return null;
  const rawData = Array.isArray(v.data) ? v.data : [];
  const series: ChartSeries[] = Array.isArray(v.series)
    ? v.series.filter(isRec).map((s, i) => ({
        key: String(s.key ?? s.name ?? `s${i}`),
        name: String(s.name ?? s.label ?? s.key ?? ""),
        color: strOf(s.color),
      }))
    : [];
  const data: ChartDatum[] = [];
  let hasTarget = false;
  for (const d of rawData) {
    if (!isRec(d)) continue;
    const name = strOf(d.name) ?? strOf(d.label) ?? String(d.x ?? "");
    const value = numOf(d.value) ?? numOf(d.y) ?? 0;
    const extra: Rec = {};
    for (const s of series) {
      const n = numOf(d[s.key]);
      if (n !== null) extra[s.key] = n;
    }
    const target = numOf(d.target);
    if (target !== null) {
      extra.target = target;
      hasTarget = true;
    }
    data.push({ ...extra, name, value, color: strOf(d.color) });
  }
  if (hasTarget && !series.length) {
    series.push(
      { key: "value", name: "Actual", color: null },
      { key: "target", name: "Target", color: "#FFB707" },
    );
  }
  const bands = readFanBands(v.bands);
  const referenceLines: ReferenceLine[] = Array.isArray(v.reference_lines)
    ? v.reference_lines.filter(isRec).flatMap((r) => {
        const value = numOf(r.value);
        return value === null
          ? []
          : [
              {
                axis: r.axis === "x" ? ("x" as const) : ("y" as const),
                value,
                label: String(r.label ?? ""),
              },
            ];
      })
    : [];
  if (!data.length && !bands.length) return null;
  return {
    key: strOf(v.key) ?? `chart-${index}`,
    title: strOf(v.title) ?? "Chart",
    type: type as ChartType,
    description: strOf(v.description) ?? "",
    data,
    unit: strOf(v.unit) ?? strOf(v.value_format) ?? strOf(v.format) ?? undefined,
    series: series.length ? series : undefined,
    bands: bands.length ? bands : undefined,
    referenceLines: referenceLines.length ? referenceLines : undefined,
    xLabel: strOf(v.x_label) ?? undefined,
    yLabel: strOf(v.y_label) ?? undefined,
  };
}

/** The charts in a job's charts_payload ({charts: [...]}, or a bare list). The fan chart
 *  (band series) is not a ChartSpec and is read by readRetirement. */
export function readCharts(payload: unknown): ChartSpec[] {
  const list = Array.isArray(payload) ? payload : pick(payload, "charts", "items");
  if (!Array.isArray(list)) return [];
  return list.map((c, i) => readChart(c, i)).filter((c): c is ChartSpec => c !== null);
}

// ----------------------------------------------------------------------------- report

export function readReportMarkdown(payload: unknown): string | null {
  if (typeof payload === "string") return payload;
  const v = pick(payload, "markdown", "report_markdown", "report", "content", "text");
  return typeof v === "string" ? v : null;
}

// ----------------------------------------------------------------------------- retirement

export interface FanPoint {
  label: string;
  x: number | null;
  p10: number;
  p25: number;
  p50: number;
  p75: number;
  p90: number;
}

export interface Scenario {
  label: string;
  retirementAge: number | null;
  contribution: number | null;
  successPct: number | null;
  sustainableIncome: number | null;
}

export interface Retirement {
  markdown: string | null;
  /** 0–100 */
  successProbability: number | null;
  /** percentage points */
  successStdError: number | null;
  successTarget: number | null;
  successDefinition: string | null;
  sustainableIncome: number | null;
  /** success rate (0–100) the sustainable income reaches */
  sustainableIncomeRate: number | null;
  targetIncome: number | null;
  retirementAge: number | null;
  medianAtRetirement: number | null;
  medianEndingWealth: number | null;
  depletionPct: number | null;
  depletionMedianAge: number | null;
  paths: number | null;
  bands: FanPoint[];
  scenarios: Scenario[];
  notes: string[];
}

function asPct(v: unknown): number | null {
  const n = numOf(v);
  if (n === null) return null;
  return n;
}

function readBandsFromRows(rows: unknown[]): FanPoint[] {
  const out: FanPoint[] = [];
  for (const r of rows) {
    if (!isRec(r)) continue;
    const g = (...ks: string[]) => numOf(pick(r, ...ks));
    const p10 = g("p10"),
      p25 = g("p25"),
      p50 = g("p50", "median"),
      p75 = g("p75"),
      p90 = g("p90");
    if (p10 === null || p25 === null || p50 === null || p75 === null || p90 === null) continue;
    const age = numOf(r.age);
    const year = numOf(r.year) ?? numOf(r.year_index);
    const label =
      strOf(r.name) ??
      strOf(r.label) ??
      (age !== null ? `Age ${age}` : year !== null ? `Year ${year}` : String(out.length));
    out.push({ label, x: age ?? year, p10, p25, p50, p75, p90 });
  }
  return out;
}

export function readFanBands(v: unknown): FanPoint[] {
  if (Array.isArray(v)) return readBandsFromRows(v);
  if (isRec(v) && Array.isArray(v.bands)) return readBandsFromRows(v.bands);
  return [];
}

function readScenario(v: unknown, base: Rec): Scenario | null {
  if (!isRec(v)) return null;
  const s = isRec(v.summary) ? v.summary : v;
  const ra = numOf(s.retirement_age);
  const c = numOf(s.annual_contribution);
  const parts: string[] = [];
  const baseRa = numOf(base.retirement_age);
  const baseC = numOf(base.annual_contribution);
  if (ra !== null && baseRa !== null && ra !== baseRa)
    parts.push(`Retire at ${ra}${ra > baseRa ? ` (+${ra - baseRa} yrs)` : ""}`);
  if (c !== null && baseC !== null && c !== baseC)
    parts.push(
      `Save ${c > baseC ? "+" : "−"}$${Math.abs(c - baseC).toLocaleString("en-US")} a year`,
    );
  return {
    label: strOf(v.label) ?? strOf(v.scenario) ?? (parts.join(", ") || "Scenario"),
    retirementAge: ra,
    contribution: c,
    successPct: asPct(pick(s, "success_pct", "success_probability")),
    sustainableIncome: numOf(s.sustainable_income),
  };
}

export function readRetirement(payload: unknown): Retirement | null {
  if (!isRec(payload)) return null;
  const summary = isRec(payload.summary) ? payload.summary : {};
  const proj = isRec(payload.projection) ? payload.projection : {};
  const both = (...keys: string[]) =>
    pick(summary, ...keys) ?? pick(proj, ...keys) ?? pick(payload, ...keys);
  const inputs = isRec(proj.inputs) ? proj.inputs : {};
  const depletion = isRec(proj.depletion) ? proj.depletion : {};
  const scenarios = Array.isArray(payload.scenarios)
    ? payload.scenarios
        .map((x) => readScenario(x, summary))
        .filter((x): x is Scenario => x !== null)
    : [];
  return {
    markdown: readReportMarkdown(payload),
    successProbability: asPct(both("success_pct", "success_probability")),
    successStdError: asPct(both("success_standard_error_pct", "success_probability_se")),
    successTarget: asPct(both("success_target_pct")),
    successDefinition: strOf(both("success_definition")),
    sustainableIncome: numOf(both("sustainable_income")),
    sustainableIncomeRate: asPct(both("sustainable_income_success_pct")),
    targetIncome: numOf(both("target_income")) ?? numOf(inputs.target_income),
    retirementAge: numOf(both("retirement_age")),
    medianAtRetirement: numOf(both("median_wealth_at_retirement_real")),
    medianEndingWealth: numOf(both("median_wealth_at_planning_age_real", "median_ending_wealth")),
    depletionPct: asPct(pick(summary, "depletion_pct_of_paths") ?? depletion.pct_of_paths),
    depletionMedianAge: numOf(pick(summary, "depletion_median_age") ?? depletion.median_age),
    paths: numOf(both("paths")) ?? numOf(inputs.paths),
    bands: readFanBands(proj.wealth_bands_real ?? proj.wealth_bands ?? payload.bands),
    scenarios,
    notes: strList(both("notes")),
  };
}

// ----------------------------------------------------------------------------- data quality

export interface StaleQuote {
  symbol: string;
  asOf: string | null;
  ageDays: number | null;
  source: string | null;
  reason: "old" | "refresh_failed";
  detail: string | null;
}

function readStale(v: unknown): StaleQuote[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isRec).flatMap((s) => {
    const symbol = strOf(s.symbol);
    if (!symbol) return [];
    return [
      {
        symbol,
        asOf: strOf(s.as_of),
        ageDays: numOf(s.age_days),
        source: strOf(s.source),
        reason: s.reason === "refresh_failed" ? ("refresh_failed" as const) : ("old" as const),
        detail: strOf(s.detail),
      },
    ];
  });
}

export interface DataQuality {
  headline: string | null;
  coveragePct: number | null;
  unclassified: string[];
  missingPrices: string[];
  /** "X% of valued holdings classified; N holdings not valued" (null in older analyses). */
  coverageStatement: string | null;
  unvaluedHoldings: number | null;
  stalePrices: StaleQuote[];
  grounding: {
    status: "ok" | "issues" | "unknown";
    checked: number | null;
    matched: number | null;
    unmatched: string[];
  };
  notes: string[];
}

function strList(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.map((x) =>
    typeof x === "string"
      ? x
      : isRec(x)
        ? String(x.symbol ?? x.text ?? x.value ?? x.message ?? JSON.stringify(x))
        : String(x),
  );
}

export function readDataQuality(summary: unknown): DataQuality {
  const s = isRec(summary) ? summary : {};
  const dq = isRec(s.data_quality) ? s.data_quality : s;
  const gr = isRec(s.grounding) ? s.grounding : null;
  const unmatched = gr ? strList(pick(gr, "unmatched", "mismatches")) : [];
  const okRaw = gr ? pick(gr, "grounded", "ok", "passed") : undefined;
  const status: DataQuality["grounding"]["status"] =
    typeof okRaw === "boolean"
      ? okRaw
        ? "ok"
        : "issues"
      : gr
        ? unmatched.length
          ? "issues"
          : "ok"
        : "unknown";
  return {
    headline: strOf(pick(s, "executive_summary")) ?? strOf(s.headline),
    coveragePct: asPctMaybe(pick(dq, "coverage_pct", "coverage")),
    unclassified: strList(pick(dq, "unclassified_symbols", "unclassified")),
    missingPrices: [...new Set(strList(pick(dq, "missing_prices", "missing_price")))],
    coverageStatement: strOf(dq.coverage_statement),
    unvaluedHoldings: numOf(dq.unvalued_holdings),
    stalePrices: readStale(dq.stale_prices),
    grounding: {
      status,
      checked: gr ? numOf(gr.checked) : null,
      matched: gr ? numOf(gr.matched) : null,
      unmatched,
    },
    notes: strList(pick(dq, "notes", "warnings")),
  };
}

function asPctMaybe(v: unknown): number | null {
  if (isRec(v)) return asPctMaybe(pick(v, "classified_pct", "pct", "value"));
  return asPct(v);
}
