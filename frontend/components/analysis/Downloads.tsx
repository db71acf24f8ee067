import { useState } from "react";
import { useToast } from "@/components/Toast";
import { Button } from "@/components/ui";
import { api } from "@/lib/api";
import { saveText } from "@/lib/download";
import type { Job } from "@/lib/types";

/** The file name the server gives the same download (alex-analysis-YYYY-MM-DD.md, UTC). */
export function markdownFileName(job: Pick<Job, "completed_at" | "created_at">): string {
  return `alex-analysis-${(job.completed_at ?? job.created_at).slice(0, 10)}.md`;
}

/** Keep the report: as Markdown (written by the server) or as PDF through the browser's own
 *  print dialog, which prints every section (styles/globals.css, @media print). */
export function Downloads({ job }: { job: Job }) {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const downloadMarkdown = async () => {
    setBusy(true);
    try {
      const text = await api<string>(`/api/jobs/${job.id}/report.md`);
      saveText(text, markdownFileName(job), "text/markdown");
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="flex flex-wrap gap-2 print:hidden" data-testid="report-downloads">
      <Button variant="secondary" size="sm" busy={busy} onClick={() => void downloadMarkdown()}>
        Download Markdown
      </Button>
      <Button
        variant="secondary"
        size="sm"
        onClick={() => window.print()}
        title="Opens your browser's print dialog: choose “Save as PDF”"
      >
        Download PDF
      </Button>
    </div>
  );
}
