import ReactMarkdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";

// No rehype-raw: raw HTML in the report is shown as text, never executed (XSS).
// Links and images are shown as text too: a report never needs one, and an instrument name or
// a model's wording that slipped through as Markdown must not become a clickable (phishing)
// link or an image fetched from someone else's server.
const components: Components = {
  table: ({ children }) => (
    <div className="table-wrap">
      <table>{children}</table>
    </div>
  ),
  a: ({ href, children }) => (
    <span data-testid="inert-link">
      {children}
      {href && String(children) !== href ? ` (${href})` : ""}
    </span>
  ),
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
