import ReactMarkdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";

// No rehype-raw: raw HTML in the report is shown as text, never executed (XSS).
const components: Components = {
  table: ({ children }) => <div className="table-wrap"><table>{children}</table></div>,
  a: ({ href, children }) => <a href={href} target="_blank" rel="noopener noreferrer nofollow">{children}</a>,
};

export function Markdown({ children }: { children: string }) {
  return (
    <div className="prose-alex" data-testid="markdown">
      <ReactMarkdown remarkPlugins={[remarkGfm]} skipHtml components={components}>{children}</ReactMarkdown>
    </div>
  );
}
