import ReactMarkdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";
import { citationNumber } from "@/lib/payloads";

// No rehype-raw: raw HTML in the report is shown as text, never executed (XSS).
// Links and images are shown as text too: a report never needs one, and an instrument name or
// a model's wording that slipped through as Markdown must not become a clickable (phishing)
// link or an image fetched from someone else's server. The exception is a citation, a link to
// an anchor on this page (lib/payloads.ts `citedMarkdown`).
const components: Components = {
  table: ({ children }) => (
    <div className="table-wrap">
      <table>{children}</table>
    </div>
  ),
  a: ({ href, children }) => {
    // The one link kind kept: a citation, pointing at its entry in the list under the report.
    const cited = citationNumber(href);
    if (cited !== null && String(children) === String(cited)) {
      return (
        <sup className="citation">
          <a href={href} aria-label={`Reference ${cited}`} data-testid="citation">
            {cited}
          </a>
        </sup>
      );
    }
    return (
      <span data-testid="inert-link">
        {children}
        {href && String(children) !== href ? ` (${href})` : ""}
      </span>
    );
  },
  img: ({ alt }) => <span>{alt ?? ""}</span>,
};

export function Markdown({ children }: { children: string }) {
  return (
    <div className="prose-alex" data-testid="markdown">
      <ReactMarkdown remarkPlugins={[remarkGfm]} skipHtml components={components}>
        {children}
      </ReactMarkdown>
    </div>
  );
}
