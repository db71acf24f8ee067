// The CSV import's choices (column mapping, broker account, date) as query parameters, and
// the labels the preview shows. Pure, so it is tested without a browser.
import type { ImportResult } from "@/lib/types";

export type ImportFormat = NonNullable<ImportResult["format"]>;

export interface ColumnChoice {
  symbol: string;
  quantity: string;
  price: string;
  costBasis: string;
}

export interface ImportChoices {
  /** Only sent when the user picked columns (an unrecognised layout). */
  columns: ColumnChoice | null;
  sourceAccount: string;
  /** yyyy-mm-dd; used only when the file carries no date. */
  asOf: string;
}

export const NO_CHOICES: ImportChoices = { columns: null, sourceAccount: "", asOf: "" };

export const FORMAT_LABELS: Record<ImportFormat, string> = {
  simple: "Alex CSV (symbol, quantity)",
  fidelity: "Fidelity positions export",
  schwab: "Schwab positions export",
  vanguard: "Vanguard download",
  mapped: "Your column choice",
};

export const AS_OF_LABELS: Record<ImportResult["as_of_source"], string> = {
  file: "from the file",
  request: "as you chose",
  today: "today: the file has no date",
};

type Query = Record<string, string | boolean | undefined>;

export function importQuery(choices: ImportChoices, commit: boolean): Query {
  const q: Query = { commit };
  const c = choices.columns;
  if (c && c.symbol && c.quantity) {
    q.symbol_column = c.symbol;
    q.quantity_column = c.quantity;
    q.price_column = c.price || undefined;
    q.cost_basis_column = c.costBasis || undefined;
  }
  q.source_account = choices.sourceAccount || undefined;
  q.as_of = choices.asOf || undefined;
  return q;
}

const GUESSES: [keyof ColumnChoice, RegExp][] = [
  ["symbol", /^(symbol|ticker|ticker symbol|security id)$/i],
  ["quantity", /(^qty|quantity|shares|units)/i],
  ["costBasis", /cost/i],
  ["price", /(price|^last$)/i],
];

/** A first guess at the mapping from the header's names; each column used once at most. */
export function guessColumns(columns: string[]): ColumnChoice {
  const choice: ColumnChoice = { symbol: "", quantity: "", price: "", costBasis: "" };
  const used = new Set<string>();
  for (const [field, pattern] of GUESSES) {
    const hit = columns.find((c) => c && !used.has(c) && pattern.test(c.trim()));
    if (hit) {
      choice[field] = hit;
      used.add(hit);
    }
  }
  return choice;
}

/** "line 2", "lines 2 and 8", "lines 2, 5 and 8". */
export function linesLabel(lines: number[]): string {
  if (lines.length === 0) return "";
  if (lines.length === 1) return `line ${lines[0]}`;
  return `lines ${lines.slice(0, -1).join(", ")} and ${lines[lines.length - 1]}`;
}

/** Whether a previewed file can be imported: no problems, and something to write. */
export function canCommit(preview: ImportResult | null): boolean {
  if (!preview || preview.errors.length > 0) return false;
  return preview.rows.length > 0 || (preview.cash_balance ?? null) !== null;
}
