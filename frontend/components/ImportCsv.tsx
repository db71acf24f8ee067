import { useState } from "react";
import { Badge, Button, SelectField, TextField } from "@/components/ui";
import { api, ApiError } from "@/lib/api";
import { money, quantity } from "@/lib/format";
import {
  AS_OF_LABELS,
  canCommit,
  FORMAT_LABELS,
  guessColumns,
  importQuery,
  linesLabel,
  NO_CHOICES,
  type ColumnChoice,
  type ImportChoices,
} from "@/lib/importCsv";

import type { ImportResult as Result } from "@/lib/types";

const EXAMPLE = "symbol,quantity,cost_basis\nVTI,12.5,2500\nBND,40,\n";

const MAPPED_FIELDS: { field: keyof ColumnChoice; label: string; required: boolean }[] = [
  { field: "symbol", label: "Symbol column", required: true },
  { field: "quantity", label: "Quantity column", required: true },
  { field: "price", label: "Price column (optional)", required: false },
  { field: "costBasis", label: "Total cost basis column (optional)", required: false },
];

function longDate(iso: string): string {
  const d = new Date(`${iso}T00:00:00`);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleDateString("en-US", { month: "short", day: "numeric", year: "numeric" });
}

/** Paste or upload a CSV (Alex's layout or a Fidelity, Schwab or Vanguard export); preview
 *  the holdings, cash and prices it will write and every bad line; commit all or nothing. An
 *  unrecognised layout offers a column mapping, a file with several broker accounts a choice. */
export function ImportCsv({
  accountId,
  onDone,
}: {
  accountId: string;
  onDone: (n: number) => void;
}) {
  const [text, setText] = useState("");
  const [choices, setChoices] = useState<ImportChoices>(NO_CHOICES);
  const [mapping, setMapping] = useState<ColumnChoice | null>(null);
  const [preview, setPreview] = useState<Result | null>(null);
  const [busy, setBusy] = useState<"preview" | "commit" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [lineErrors, setLineErrors] = useState<string[]>([]);

  const reset = () => {
    setPreview(null);
    setError(null);
    setLineErrors([]);
  };
  const newFile = (value: string) => {
    setText(value);
    setChoices(NO_CHOICES);
    setMapping(null);
    reset();
  };

  const run = async (commit: boolean, next: ImportChoices = choices) => {
    setBusy(commit ? "commit" : "preview");
    setError(null);
    setLineErrors([]);
    try {
      const res = await api<Result>(`/api/accounts/${accountId}/import`, {
        method: "POST",
        text,
        query: importQuery(next, commit),
      });
      if (commit) onDone(res.rows.length);
      else {
        setPreview(res);
        if (res.needs_mapping && !mapping) setMapping(guessColumns(res.columns ?? []));
      }
    } catch (e) {
      const err = e as ApiError;
      setError(err.message);
      // A refused commit names its lines ("line 7") in the error fields.
      setLineErrors(
        err.fields
          .filter((f) => f.field.startsWith("line "))
          .map((f) => `${f.field[0].toUpperCase()}${f.field.slice(1)}: ${f.message}`),
      );
    } finally {
      setBusy(null);
    }
  };

  const choose = (next: ImportChoices) => {
    setChoices(next);
    void run(false, next);
  };
  const mapped = mapping !== null && mapping.symbol !== "" && mapping.quantity !== "";
  const accounts = preview?.source_accounts ?? [];
  const ignored = preview?.ignored ?? [];
  const notInFile = preview?.not_in_file ?? [];
  const columns = (preview?.columns ?? []).filter((c) => c !== "");

  return (
    <div className="space-y-4">
      <div>
        <label htmlFor="csv-text" className="mb-1 block text-xs font-semibold text-ink-700">
          CSV: columns symbol, quantity and optional cost_basis and price, or a positions export
          from Fidelity, Schwab or Vanguard
        </label>
        <textarea
          id="csv-text"
          rows={6}
          value={text}
          onChange={(e) => newFile(e.target.value)}
          placeholder={EXAMPLE}
          className="w-full rounded-lg border border-slate-300 px-3 py-2 font-mono text-xs focus:border-brand focus:outline-none focus:ring-2 focus:ring-brand/30"
        />
        <div className="mt-2 flex flex-wrap items-center gap-3 text-xs">
          <label className="cursor-pointer font-semibold text-brand-600 hover:underline">
            Upload a file…
            <input
              type="file"
              accept=".csv,text/csv"
              className="sr-only"
              onChange={async (e) => {
                const input = e.target;
                const f = input.files?.[0];
                // Cleared, so choosing the same file again (after editing the text) reloads it.
                input.value = "";
                if (f) newFile(await f.text());
              }}
            />
          </label>
          <button
            type="button"
            className="text-slate-500 hover:text-ink"
            onClick={() => newFile(EXAMPLE)}
          >
            Use the example
          </button>
        </div>
      </div>

      {error && (
        <div role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-bad">
          <p>{error}</p>
          {lineErrors.length > 0 && (
            <ul className="mt-1 list-disc pl-5 text-xs">
              {lineErrors.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          )}
        </div>
      )}

      {preview && (
        <div className="space-y-3" data-testid="import-preview">
          <p className="text-sm" data-testid="import-summary">
            {preview.format ? (
              <>
                <Badge tone="brand">{FORMAT_LABELS[preview.format]}</Badge>{" "}
              </>
            ) : (
              <>
                <Badge tone="bad">Layout not recognised</Badge>{" "}
              </>
            )}
            dated <strong>{longDate(preview.as_of)}</strong>{" "}
            <span className="text-slate-500">({AS_OF_LABELS[preview.as_of_source]})</span>
            {" · "}
            <strong>{preview.rows.length}</strong> valid row(s)
            {" · "}
            <strong className={preview.errors.length ? "text-bad" : ""}>
              {preview.errors.length}
            </strong>{" "}
            problem(s)
          </p>

          {accounts.length > 1 && (
            <SelectField
              label="This file lists several accounts: import which one?"
              value={choices.sourceAccount}
              onChange={(e) => choose({ ...choices, sourceAccount: e.target.value })}
            >
              <option value="">Choose an account…</option>
              {accounts.map((a) => (
                <option key={a.number} value={a.number}>
                  {a.name ? `${a.name} (${a.number})` : a.number}
                </option>
              ))}
            </SelectField>
          )}

          {preview.needs_mapping && mapping && columns.length > 0 && (
            <fieldset
              className="space-y-2 rounded-lg border border-amber-200 bg-amber-50 p-3"
              data-testid="import-mapping"
            >
              <legend className="px-1 text-xs font-semibold text-ink-700">
                Which columns hold what?
              </legend>
              <div className="grid gap-2 sm:grid-cols-2">
                {MAPPED_FIELDS.map(({ field, label, required }) => (
                  <SelectField
                    key={field}
                    label={label}
                    value={mapping[field]}
                    onChange={(e) => setMapping({ ...mapping, [field]: e.target.value })}
                  >
                    <option value="">{required ? "Choose…" : "None"}</option>
                    {columns.map((c) => (
                      <option key={c} value={c}>
                        {c}
                      </option>
                    ))}
                  </SelectField>
                ))}
              </div>
              <Button
                size="sm"
                variant="secondary"
                disabled={!mapped || !!busy}
                busy={busy === "preview"}
                onClick={() => choose({ ...choices, columns: mapping })}
              >
                Preview with these columns
              </Button>
            </fieldset>
          )}

          {preview.as_of_source !== "file" && !preview.needs_mapping && (
            <TextField
              label="Date of the prices and positions (the file has none)"
              type="date"
              max={new Date().toISOString().slice(0, 10)}
              value={choices.asOf}
              className="max-w-xs"
              onChange={(e) => choose({ ...choices, asOf: e.target.value })}
              hint={`Used: ${longDate(preview.as_of)}`}
            />
          )}

          {preview.errors.length > 0 && (
            <ul
              className="space-y-1 rounded-lg border border-red-200 bg-red-50 p-3 text-xs text-red-800"
              data-testid="import-errors"
            >
              {preview.errors.map((e, i) => (
                <li key={`${e.line}-${i}`}>
                  <strong>Line {e.line}:</strong> {e.message}
                </li>
              ))}
            </ul>
          )}

          {preview.cash_balance != null && (
            <p className="text-sm" data-testid="import-cash">
              Cash found:{" "}
              <strong className="num">{money(preview.cash_balance, { cents: true })}</strong>{" "}
              <span className="text-slate-500">
                ({linesLabel(preview.cash_lines ?? [])}); the account&apos;s cash balance will be
                set to it.
              </span>
            </p>
          )}

          {preview.rows.length > 0 && (
            <div className="max-h-64 overflow-auto rounded-lg border border-slate-200">
              <table className="w-full text-xs">
                <thead className="bg-slate-50 text-left">
                  <tr>
                    <th className="px-3 py-2">Line</th>
                    <th className="px-3 py-2">Symbol</th>
                    <th className="px-3 py-2 text-right">Quantity</th>
                    <th className="px-3 py-2 text-right">Price</th>
                    <th className="px-3 py-2 text-right">Cost basis</th>
                    <th className="px-3 py-2">Action</th>
                  </tr>
                </thead>
                <tbody>
                  {preview.rows.map((r) => (
                    <tr key={r.line} className="border-t border-slate-100">
                      <td className="px-3 py-1.5 text-slate-500">{r.line}</td>
                      <td className="px-3 py-1.5">
                        <span className="font-mono font-semibold">{r.symbol}</span>{" "}
                        {!r.known_instrument && (
                          <Badge
                            tone="accent"
                            title="Alex does not know this symbol: it will be unclassified"
                          >
                            new
                          </Badge>
                        )}
                        {r.description && (
                          <span
                            className="block max-w-[16rem] truncate text-slate-500"
                            title={r.description}
                          >
                            {r.description}
                          </span>
                        )}
                      </td>
                      <td className="num px-3 py-1.5 text-right">{quantity(r.quantity)}</td>
                      <td className="num px-3 py-1.5 text-right">
                        {r.price == null ? "—" : money(r.price, { cents: true })}
                      </td>
                      <td className="num px-3 py-1.5 text-right">
                        {r.cost_basis == null
                          ? r.action === "update"
                            ? "unchanged"
                            : "—"
                          : money(r.cost_basis, { cents: true })}
                      </td>
                      <td className="px-3 py-1.5">{r.action}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}

          {preview.rows.some((r) => r.price != null) && (
            <p className="text-xs text-slate-500">
              Prices from the file become your own prices, dated {longDate(preview.as_of)}; other
              users are not affected.
            </p>
          )}
          {notInFile.length > 0 && (
            <p className="text-xs text-slate-500">
              Held in this account but not in the file, left as they are: {notInFile.join(", ")}.
            </p>
          )}
          {ignored.length > 0 && (
            <details className="text-xs text-slate-500">
              <summary className="cursor-pointer">
                {ignored.length} line(s) not read as holdings
              </summary>
              <ul className="mt-1 space-y-0.5 pl-4">
                {ignored.map((n, i) => (
                  <li key={`${n.line}-${i}`}>
                    Line {n.line}: {n.message}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}

      <div className="flex justify-end gap-2">
        <Button
          variant="secondary"
          onClick={() => run(false)}
          busy={busy === "preview"}
          disabled={!text.trim() || !!busy}
        >
          Preview
        </Button>
        <Button
          onClick={() => run(true)}
          busy={busy === "commit"}
          disabled={!canCommit(preview) || !!busy}
        >
          Import {preview?.rows.length ?? ""} row(s)
          {preview?.cash_balance != null ? " and cash" : ""}
        </Button>
      </div>
    </div>
  );
}
