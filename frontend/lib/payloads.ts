// The sections of an analysis as the API sends them. Each has one shape, generated from the
// Pydantic models in src/alex/payloads.py (`npm run gen:types` → lib/api-types.ts); jobs stored
// before those models are read into the same shapes by the server. Pages read the typed fields;
// what is derived from them is derived here, once.
import type { components } from "./api-types";

type S = components["schemas"];

export type ReportPayload = S["ReportPayload"];
export type Reference = S["Reference"];
export type ChartsPayload = S["ChartsPayload"];
export type ChartSpec = S["ChartSpec"];
export type ChartPoint = S["ChartPoint"];
export type BandPoint = S["BandPoint"];
export type RetirementPayload = S["RetirementPayload"];
export type RetirementSummary = S["RetirementSummary"];
export type RetirementScenario = S["RetirementScenario"];
export type SummaryPayload = S["SummaryPayload"];
export type Headline = S["Headline"];
export type DataQualityReport = S["DataQualityReport"];
export type StaleQuote = S["StaleQuote"];
export type GroundingSummary = S["GroundingSummary"];

// ----------------------------------------------------------------------------- report

const REFERENCES_HEADING = "\n## References\n";
// `[3]`, as the server writes a citation: not escaped (`\[3\]` is quoted text) and not a link.
const CITATION = /(?<!\\)\[(\d{1,3})\](?![(]|\[(?!\d))/g;

/** The element id of reference `n` in the list under the report. */
export function referenceId(n: number): string {
  return `ref-${n}`;
}

/** The report's Markdown as the page shows it: each `[n]` the references list becomes a link to
 *  its entry (drawn as a superscript), and the References section the server appended for
 *  readers of the plain text is left out, since the page lists the references itself. */
export function citedMarkdown(report: ReportPayload): string {
  if (!report.references.length) return report.markdown;
  const known = new Set(report.references.map((r) => r.n));
  const end = report.markdown.lastIndexOf(REFERENCES_HEADING);
  const body = end >= 0 ? report.markdown.slice(0, end + 1) : report.markdown;
  return body.replace(CITATION, (match: string, n: string) =>
    known.has(Number(n)) ? `[${n}](#${referenceId(Number(n))})` : match,
  );
}

/** A link `citedMarkdown` made, by its target: the number it cites, or null for any other. */
export function citationNumber(href: string | undefined): number | null {
  const m = href ? /^#ref-(\d{1,3})$/.exec(href) : null;
  return m ? Number(m[1]) : null;
}

// ----------------------------------------------------------------------------- charts

export interface ChartSeries {
  key: "value" | "target";
  name: string;
  color: string | null;
}

export const TARGET_COLOR = "#FFB707";

/** A bar chart whose points carry a target (the drift charts) is drawn as two series, the
 *  actual share and the target beside it; any other chart has a single series. */
export function chartSeries(spec: ChartSpec): ChartSeries[] | null {
  if (!spec.data.some((d) => d.target !== null)) return null;
  return [
    { key: "value", name: "Actual", color: null },
    { key: "target", name: "Target", color: TARGET_COLOR },
  ];
}

// ----------------------------------------------------------------------------- data quality

export type GroundingStatus = "ok" | "issues" | "unknown";

/** Whether the figures of the narratives were all found in the tool results ("unknown" for an
 *  analysis that recorded no check). */
export function groundingStatus(g: GroundingSummary | null | undefined): GroundingStatus {
  if (!g) return "unknown";
  return g.grounded ? "ok" : "issues";
}

/** How many things the Data quality tab asks the user to look at. */
export function dataQualityIssues(summary: SummaryPayload | null | undefined): number {
  if (!summary) return 0;
  const dq = summary.data_quality;
  const missing = new Set(dq.missing_prices.map((m) => m.symbol)).size;
  return (
    dq.unclassified_symbols.length +
    missing +
    dq.stale_prices.length +
    (groundingStatus(summary.grounding) === "issues" ? 1 : 0)
  );
}

/** Each symbol once: a price can be missing in several accounts. */
export function missingPriceSymbols(dq: DataQualityReport): string[] {
  return [...new Set(dq.missing_prices.map((m) => m.symbol))];
}
