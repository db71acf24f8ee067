import Link from "next/link";
import { Badge, EmptyState, Skeleton } from "@/components/ui";
import { dateTime, duration } from "@/lib/format";
import type { JobSummary } from "@/lib/types";

export function PastAnalyses({
  jobs,
  loading,
  current,
  onView,
}: {
  jobs: JobSummary[] | undefined;
  loading: boolean;
  current: string | null;
  onView: (id: string) => void;
}) {
  if (loading && !jobs) return <Skeleton className="h-24" />;
  if (!jobs?.length)
    return (
      <EmptyState title="No analyses yet" icon="✦">
        Start your first analysis above — it takes about a minute with a hosted model, a second or
        two offline.
      </EmptyState>
    );
  return (
    <div className="-mx-5 -my-5 overflow-x-auto">
      <table className="w-full text-sm" data-testid="past-analyses">
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wider text-slate-500">
          <tr>
            <th className="px-5 py-2.5">Started</th>
            <th className="px-3 py-2.5">Status</th>
            <th className="hidden px-3 py-2.5 md:table-cell">Summary</th>
            <th className="hidden px-3 py-2.5 text-right sm:table-cell">Took</th>
            <th className="px-5 py-2.5">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <tr
              key={j.id}
              className={`border-t border-slate-100 ${j.id === current ? "bg-ai-50/50" : ""}`}
            >
              <td className="px-5 py-3 sm:whitespace-nowrap">{dateTime(j.created_at)}</td>
              <td className="px-3 py-3">
                <Badge
                  tone={j.status === "completed" ? "good" : j.status === "failed" ? "bad" : "ai"}
                >
                  {j.status}
                </Badge>
              </td>
              <td className="hidden max-w-md px-3 py-3 text-slate-600 md:table-cell">
                <span className="line-clamp-2">
                  {j.status === "failed" ? j.error_message : (j.headline ?? "—")}
                </span>
              </td>
              <td className="num hidden whitespace-nowrap px-3 py-3 text-right sm:table-cell">
                {j.started_at && j.completed_at
                  ? duration(Date.parse(j.completed_at) - Date.parse(j.started_at))
                  : "—"}
              </td>
              <td className="px-5 py-3 text-right">
                <span className="flex flex-wrap justify-end gap-x-3 gap-y-1">
                  {j.status === "completed" && (
                    <Link
                      className="font-semibold text-brand-600 hover:underline"
                      href={`/analysis/?job=${j.id}`}
                    >
                      Report
                    </Link>
                  )}
                  <button
                    className="font-semibold text-ai hover:underline"
                    onClick={() => onView(j.id)}
                  >
                    View team
                  </button>
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
