import { useState } from "react";
import { Badge, Button } from "@/components/ui";
import { api, ApiError } from "@/lib/api";
import { money, quantity } from "@/lib/format";

import type { ImportResult as Result } from "@/lib/types";

const EXAMPLE = "symbol,quantity,cost_basis\nVTI,12.5,2500\nBND,40,\n";

/** Paste or upload a CSV; preview good and bad rows; commit all or nothing. */
export function ImportCsv({ accountId, onDone }: { accountId: string; onDone: (n: number) => void }) {
  const [text, setText] = useState("");
  const [preview, setPreview] = useState<Result | null>(null);
  const [busy, setBusy] = useState<"preview" | "commit" | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async (commit: boolean) => {
    setBusy(commit ? "commit" : "preview");
    setError(null);
    try {
      const res = await api<Result>(`/api/accounts/${accountId}/import`, { method: "POST", text, query: { commit } });
      if (commit) onDone(res.rows.length);
      else setPreview(res);
    } catch (e) {
      setError((e as ApiError).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="space-y-4">
      <div>
        <label htmlFor="csv-text" className="mb-1 block text-xs font-semibold text-ink-700">CSV (columns: symbol, quantity, optional cost_basis)</label>
        <textarea id="csv-text" rows={6} value={text} onChange={(e) => { setText(e.target.value); setPreview(null); }} placeholder={EXAMPLE}
          className="w-full rounded-lg border border-slate-300 px-3 py-2 font-mono text-xs focus:border-brand focus:outline-none focus:ring-2 focus:ring-brand/30" />
        <div className="mt-2 flex flex-wrap items-center gap-3 text-xs">
          <label className="cursor-pointer font-semibold text-brand-600 hover:underline">
            Upload a file…
            <input type="file" accept=".csv,text/csv" className="sr-only" onChange={async (e) => { const f = e.target.files?.[0]; if (f) { setText(await f.text()); setPreview(null); } }} />
          </label>
          <button type="button" className="text-slate-500 hover:text-ink" onClick={() => { setText(EXAMPLE); setPreview(null); }}>Use the example</button>
        </div>
      </div>
      {error && <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-bad">{error}</p>}
      {preview && (
        <div className="space-y-3" data-testid="import-preview">
          <p className="text-sm"><strong>{preview.rows.length}</strong> valid row(s), <strong className={preview.errors.length ? "text-bad" : ""}>{preview.errors.length}</strong> with problems.</p>
          {preview.errors.length > 0 && (
            <ul className="space-y-1 rounded-lg border border-red-200 bg-red-50 p-3 text-xs text-red-800">
              {preview.errors.map((e) => <li key={e.line}><strong>Line {e.line}:</strong> {e.message}</li>)}
            </ul>
          )}
          {preview.rows.length > 0 && (
            <div className="max-h-56 overflow-auto rounded-lg border border-slate-200">
              <table className="w-full text-xs">
                <thead className="bg-slate-50 text-left"><tr><th className="px-3 py-2">Line</th><th className="px-3 py-2">Symbol</th><th className="px-3 py-2 text-right">Quantity</th><th className="px-3 py-2 text-right">Cost basis</th><th className="px-3 py-2">Action</th></tr></thead>
                <tbody>
                  {preview.rows.map((r) => (
                    <tr key={r.line} className="border-t border-slate-100">
                      <td className="px-3 py-1.5 text-slate-500">{r.line}</td>
                      <td className="px-3 py-1.5 font-mono font-semibold">{r.symbol} {!r.known_instrument && <Badge tone="accent">new</Badge>}</td>
                      <td className="num px-3 py-1.5 text-right">{quantity(r.quantity)}</td>
                      <td className="num px-3 py-1.5 text-right">{money(r.cost_basis)}</td>
                      <td className="px-3 py-1.5">{r.action}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={() => run(false)} busy={busy === "preview"} disabled={!text.trim() || !!busy}>Preview</Button>
        <Button onClick={() => run(true)} busy={busy === "commit"} disabled={!preview || preview.errors.length > 0 || preview.rows.length === 0 || !!busy}>Import {preview?.rows.length ?? ""} row(s)</Button>
      </div>
    </div>
  );
}
