import Link from "next/link";
import { useRouter } from "next/router";
import { Fragment } from "react";
import { leftOut, plural, splitStatement, type LeftOutCounts } from "@/lib/holdings";

export const HEALTH_HREF = "/accounts/health/";

/** What a total leaves out ("2 holdings not valued · 1 stale price"), linked to the data
 *  health page where each is fixed; or that it leaves nothing out. */
export function LeftOutNote({
  counts,
  testId,
  className = "",
  allGood = "Every holding valued at a recent price",
}: {
  counts: LeftOutCounts;
  testId?: string;
  className?: string;
  allGood?: string | null;
}) {
  const parts = leftOut(counts);
  if (!parts.length) {
    return allGood ? (
      <span data-testid={testId} data-state="ok" className={className}>
        {allGood}
      </span>
    ) : null;
  }
  return (
    <span data-testid={testId} data-state="issues" className={className}>
      {parts.map((p, i) => (
        <Fragment key={p}>
          {i > 0 && " · "}
          <Link
            href={HEALTH_HREF}
            className="font-semibold text-amber-800 underline decoration-amber-300 underline-offset-2 hover:text-amber-900"
          >
            {p}
          </Link>
        </Fragment>
      ))}
    </span>
  );
}

/** The Accounts area's own navigation: the accounts, and the data health page. */
export function AccountsNav({ attention }: { attention?: boolean }) {
  const router = useRouter();
  const path = router.asPath.split("?")[0];
  const tabs = [
    {
      href: "/accounts/",
      label: "Accounts",
      current: path === "/accounts/" || path === "/accounts",
    },
    { href: HEALTH_HREF, label: "Data health", current: path.startsWith("/accounts/health") },
  ];
  return (
    <nav aria-label="Accounts" className="mb-5 flex gap-1 border-b border-slate-200">
      {tabs.map((t) => (
        <Link
          key={t.href}
          href={t.href}
          aria-current={t.current ? "page" : undefined}
          className={`-mb-px flex items-center gap-2 border-b-2 px-3 py-2 text-sm font-semibold transition ${t.current ? "border-brand text-ink" : "border-transparent text-slate-500 hover:text-ink"}`}
        >
          {t.label}
          {t.href === HEALTH_HREF &&
            attention !== undefined &&
            (attention ? (
              <span
                className="h-2 w-2 rounded-full bg-accent ring-2 ring-accent/30"
                aria-label="needs attention"
                role="img"
              />
            ) : (
              <span className="text-xs text-good" aria-label="all good" role="img">
                ✓
              </span>
            ))}
        </Link>
      ))}
    </nav>
  );
}

/** The API's coverage statement, worded once by the server ("X% of valued holdings
 *  classified; N holdings not valued"), with its "not valued" part and any stale prices
 *  linked to the data health page. */
export function CoverageStatement({
  statement,
  stalePrices,
  testId,
}: {
  statement: string;
  stalePrices: number;
  testId?: string;
}) {
  const { classified, notValued } = splitStatement(statement);
  const link =
    "font-semibold text-amber-800 underline decoration-amber-300 underline-offset-2 hover:text-amber-900";
  return (
    <span data-testid={testId}>
      {classified}
      {notValued && (
        <>
          ;{" "}
          <Link href={HEALTH_HREF} className={link}>
            {notValued}
          </Link>
        </>
      )}
      {stalePrices > 0 && (
        <>
          ;{" "}
          <Link href={HEALTH_HREF} className={link}>
            {plural(stalePrices, "stale price")}
          </Link>
        </>
      )}
    </span>
  );
}
