import { Card } from "@/components/ui";
import type { SummaryPayload } from "@/lib/payloads";
import { usageView } from "@/lib/usage";

/** What the analysis cost in model calls, per agent; nothing when no model was called. */
export function ModelCosts({ summary }: { summary: SummaryPayload | null | undefined }) {
  const view = usageView(summary);
  if (!view) return null;
  return (
    <div data-testid="model-costs">
      <Card title="What this analysis cost">
        <div className="overflow-x-auto">
          <table className="w-full text-sm">
            <thead>
              <tr className="text-left text-xs text-slate-500">
                <th className="py-1 pr-2 font-medium">Agent</th>
                <th className="py-1 pr-2 text-right font-medium">Requests</th>
                <th className="hidden py-1 pr-2 text-right font-medium sm:table-cell">Tokens</th>
                <th className="py-1 text-right font-medium">Cost</th>
              </tr>
            </thead>
            <tbody>
              {[...view.rows, view.total].map((row) => (
                <tr
                  key={row.agent}
                  className={row.agent === "Total" ? "border-t font-medium" : undefined}
                >
                  <td className="py-1 pr-2">{row.agent}</td>
                  <td className="py-1 pr-2 text-right tabular-nums">{row.requests}</td>
                  <td className="hidden py-1 pr-2 text-right tabular-nums sm:table-cell">
                    {row.tokens}
                  </td>
                  <td className="py-1 text-right tabular-nums">{row.cost}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="mt-2 text-xs text-slate-500">{view.note}</p>
      </Card>
    </div>
  );
}
