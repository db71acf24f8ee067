import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { CitedReport } from "@/components/analysis/References";
import { shortDate } from "@/lib/holdings";
import { citationNumber, citedMarkdown, type ReportPayload } from "@/lib/payloads";

// As the server stores a report that cites two notes (src/alex/agents/citations.py).
const report: ReportPayload = {
  markdown: [
    "# Portfolio report",
    "",
    "## Market context",
    "",
    "- **Bond duration**: “Bond prices and rates move in opposite directions\\.” [1]",
    "- **Home bias**: “Investors hold their home market\\.” [2]",
    "- Quoted, not cited: \\[1\\]; a number never given: [7]",
    "",
    "## References",
    "",
    "- [1] *Bond duration* — 6 Jul 2026 — bond\\.md",
    "- [2] *Home bias* — 22 Jul 2026 — home\\.md",
    "",
  ].join("\n"),
  grounding: null,
  model: "offline",
  references: [
    {
      n: 1,
      title: "Bond duration and rising interest rates",
      published: "2026-07-06",
      source: "bond-duration-and-interest-rates.md",
      citations: ["Fabozzi, Bond Markets"],
      document_id: "d1",
    },
    {
      n: 2,
      title: "International stocks & <home> bias",
      published: null,
      source: "home.md",
      citations: [],
      document_id: "d2",
    },
  ],
};

describe("citations", () => {
  it("links each known [n] to its entry and leaves the server's own list out", () => {
    const md = citedMarkdown(report);
    expect(md).toContain("directions\\.” [1](#ref-1)");
    expect(md).toContain("market\\.” [2](#ref-2)");
    expect(md).toContain("\\[1\\]"); // escaped: quoted text, not a citation
    expect(md).toContain("never given: [7]");
    expect(md).not.toContain("## References");
  });

  it("leaves a report without references as it is", () => {
    const old = { ...report, references: [] };
    expect(citedMarkdown(old)).toBe(report.markdown);
  });

  it("reads only its own anchors as citations", () => {
    expect(citationNumber("#ref-3")).toBe(3);
    expect(citationNumber("https://evil.example/#ref-3")).toBeNull();
    expect(citationNumber(undefined)).toBeNull();
  });

  it("renders superscript links to a numbered list with title, date and source", () => {
    const html = renderToStaticMarkup(createElement(CitedReport, { report }));
    expect(html).toContain('<sup class="citation"><a href="#ref-1"');
    expect(html).toContain('<a href="#ref-2"');
    expect(html).not.toContain('href="#ref-7"');
    expect(html).toContain('id="ref-1"');
    expect(html).toContain("Bond duration and rising interest rates");
    // Dated as every day on the pages is ("6 Jul" this year, "6 Jul 2026" otherwise).
    expect(html).toContain(` — ${shortDate("2026-07-06")}<`);
    expect(html).toContain("bond-duration-and-interest-rates.md");
    expect(html).toContain("Drawing on Fabozzi, Bond Markets");
    // A document's title is text, never markup.
    expect(html).toContain("International stocks &amp; &lt;home&gt; bias");
    expect(html.match(/References/g)).toHaveLength(1);
  });
});
