import type { ReactNode } from "react";

/** One section of the Analysis page. On screen the tabs show one at a time; the others stay
 *  laid out at full width (so their charts are drawn at their size) but take no room and are
 *  hidden from sight and from assistive technology. On paper every section is printed, one
 *  after another, each from a new page under its own heading. */
export function Section<T extends string>({
  id,
  active,
  title,
  children,
}: {
  id: T;
  active: T;
  title: string;
  children: ReactNode;
}) {
  const shown = id === active;
  return (
    <section
      role="tabpanel"
      id={`panel-${id}`}
      aria-labelledby={`tab-${id}`}
      data-section={id}
      className={`analysis-section ${shown ? "" : "invisible h-0 overflow-hidden print:visible print:h-auto print:overflow-visible"}`}
    >
      <h2 className="mb-4 hidden text-xl font-extrabold text-ink print:block">{title}</h2>
      {children}
    </section>
  );
}
