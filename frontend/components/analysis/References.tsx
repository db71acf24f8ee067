import { Markdown } from "@/components/Markdown";
import { shortDate } from "@/lib/holdings";
import { citedMarkdown, referenceId, type Reference, type ReportPayload } from "@/lib/payloads";

/** The knowledge-base notes a report cites, numbered as its `[n]` citations. Titles and sources
 *  are a document's own text, so they are shown as plain text. */
export function References({ references }: { references: Reference[] }) {
  if (!references.length) return null;
  return (
    <section
      aria-labelledby="references-heading"
      className="mt-6 border-t border-slate-200 pt-4"
      data-testid="references"
    >
      <h2 id="references-heading" className="mb-2 text-sm font-bold text-ink">
        References
      </h2>
      <ol className="space-y-2 text-sm text-slate-700">
        {references.map((ref) => (
          <li key={ref.n} id={referenceId(ref.n)} className="flex gap-2 scroll-mt-24">
            <span className="num w-5 shrink-0 text-right font-semibold text-slate-500">
              {ref.n}.
            </span>
            <div className="min-w-0">
              <span className="font-semibold text-ink">{ref.title}</span>
              {ref.published && <span> — {shortDate(ref.published)}</span>}
              <span className="break-all text-slate-500"> — {ref.source}</span>
              {ref.citations.length > 0 && (
                <p className="text-xs text-slate-500">Drawing on {ref.citations.join("; ")}</p>
              )}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** The report with its citations as superscript links to the References list under it. */
export function CitedReport({ report }: { report: ReportPayload }) {
  return (
    <>
      <Markdown>{citedMarkdown(report)}</Markdown>
      <References references={report.references} />
    </>
  );
}
