import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ComposedChart,
  Line,
  LineChart,
  Pie,
  PieChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { chartSeries, type BandPoint, type ChartSeries, type ChartSpec } from "@/lib/payloads";
import { money, number, pct, pts } from "@/lib/format";

export const PALETTE = [
  "#209DD7",
  "#753991",
  "#FFB707",
  "#062147",
  "#16a34a",
  "#ef6c57",
  "#5cc3ee",
  "#b07cc6",
  "#8a9bb5",
  "#f59e0b",
];

function colorFor(i: number, c?: string | null): string {
  return c || PALETTE[i % PALETTE.length];
}

/** A value on a chart, formatted as everywhere else (lib/format.ts). */
function fmt(unit: ChartSpec["unit"], v: number): string {
  if (unit === "currency") return money(v, { compact: Math.abs(v) >= 100000 });
  if (unit === "percent") return pct(v);
  if (unit === "pp") return pts(v);
  return number(v, Number.isInteger(v) ? 0 : 2);
}

/** Category tick that breaks multi-word labels onto two lines so narrow charts stay legible. */
function WrappedTick(props: {
  x?: number | string;
  y?: number | string;
  payload?: { value?: unknown };
}) {
  const words = String(props.payload?.value ?? "").split(" ");
  const lines = words.length > 1 ? [words[0], words.slice(1).join(" ")] : words;
  return (
    <text
      x={Number(props.x ?? 0)}
      y={Number(props.y ?? 0) + 10}
      textAnchor="middle"
      fontSize={10.5}
      fill="#334155"
    >
      {lines.map((l, i) => (
        <tspan key={i} x={Number(props.x ?? 0)} dy={i ? 12 : 0}>
          {l}
        </tspan>
      ))}
    </text>
  );
}

const tooltipStyle = {
  borderRadius: 10,
  border: "1px solid #e3eaf3",
  boxShadow: "0 8px 24px -8px rgba(6,33,71,.2)",
  fontSize: 12,
};

/** A chart as the API sends it; a donut may carry a label for its centre. */
export type ChartViewSpec = ChartSpec & { centerLabel?: string; centerCaption?: string };

/** One ChartSpec rendered by its type. */
export function ChartView({ spec, height = 260 }: { spec: ChartViewSpec; height?: number }) {
  if (spec.bands.length) {
    const yRef = spec.reference_lines.find((r) => r.axis === "y");
    const xRef = spec.reference_lines.find((r) => r.axis === "x");
    return (
      <FanChart
        points={spec.bands}
        target={yRef?.value}
        targetLabel={yRef?.label}
        marker={xRef}
        height={height + 40}
      />
    );
  }
  // Recharts reads a datum's `fill` for every series, so only pies get one.
  const pie = spec.type === "pie" || spec.type === "donut";
  const data = spec.data.map((d, i) => (pie ? { ...d, fill: colorFor(i, d.color) } : { ...d }));
  const swatch = (i: number) => colorFor(i, spec.data[i]?.color);
  const unit = spec.unit;
  if (!data.length)
    return <p className="py-10 text-center text-sm text-slate-500">No data for this chart.</p>;
  switch (spec.type) {
    case "pie":
    case "donut": {
      const total = data.reduce((s, d) => s + d.value, 0);
      return (
        <div className="@container">
          <div className="flex flex-col items-center gap-4 @md:flex-row">
            <div className="relative h-[220px] w-full max-w-[240px] shrink-0 @md:max-w-[180px]">
              <ResponsiveContainer width="100%" height="100%">
                <PieChart>
                  <Pie
                    data={data}
                    dataKey="value"
                    nameKey="name"
                    innerRadius={spec.type === "donut" ? "58%" : 0}
                    outerRadius="95%"
                    paddingAngle={spec.type === "donut" ? 1.5 : 0}
                    stroke="#fff"
                    strokeWidth={2}
                    isAnimationActive={false}
                  >
                    {data.map((_, i) => (
                      <Cell key={i} fill={swatch(i)} />
                    ))}
                  </Pie>
                  <Tooltip contentStyle={tooltipStyle} formatter={(v) => fmt(unit, Number(v))} />
                </PieChart>
              </ResponsiveContainer>
              {spec.type === "donut" && spec.centerLabel && (
                <div className="pointer-events-none absolute inset-0 flex flex-col items-center justify-center text-center">
                  <span className="num text-lg font-extrabold text-ink">{spec.centerLabel}</span>
                  {spec.centerCaption && (
                    <span className="text-[10px] font-semibold uppercase tracking-wider text-slate-500">
                      {spec.centerCaption}
                    </span>
                  )}
                </div>
              )}
            </div>
            <ul className="w-full min-w-0 space-y-1.5 text-sm">
              {data.map((d, i) => (
                <li key={i} className="flex items-center gap-2">
                  <span
                    className="h-2.5 w-2.5 shrink-0 rounded-sm"
                    style={{ background: swatch(i) }}
                  />
                  <span className="min-w-0 flex-1 truncate text-slate-700">{d.name}</span>
                  <span className="num shrink-0 whitespace-nowrap font-semibold text-ink">
                    {unit === "percent" ? (
                      // The share as computed by the engines, as the report shows it.
                      pct(d.value)
                    ) : (
                      <>
                        {fmt(unit, d.value)}{" "}
                        <span className="font-normal text-slate-400">
                          {pct(total ? (d.value / total) * 100 : 0, 0)}
                        </span>
                      </>
                    )}
                  </span>
                </li>
              ))}
            </ul>
          </div>
        </div>
      );
    }
    case "bar":
    case "horizontal_bar": {
      const horizontal = spec.type === "horizontal_bar";
      const series = chartSeries(spec);
      const h = horizontal ? Math.max(height, data.length * 34 + 40) : height;
      return (
        <>
          <ResponsiveContainer width="100%" height={h}>
            <BarChart
              data={data}
              layout={horizontal ? "vertical" : "horizontal"}
              margin={{ top: 8, right: 16, left: horizontal ? 8 : 0, bottom: 4 }}
            >
              <CartesianGrid
                strokeDasharray="3 3"
                stroke="#edf1f6"
                horizontal={!horizontal}
                vertical={horizontal}
              />
              {horizontal ? (
                <>
                  <XAxis
                    type="number"
                    tickFormatter={(v) => fmt(unit, Number(v))}
                    tick={{ fontSize: 11, fill: "#64748b" }}
                  />
                  <YAxis
                    type="category"
                    dataKey="name"
                    width={120}
                    tick={{ fontSize: 11, fill: "#334155" }}
                  />
                </>
              ) : (
                <>
                  <XAxis dataKey="name" tick={WrappedTick} interval={0} height={36} />
                  <YAxis
                    tickFormatter={(v) => fmt(unit, Number(v))}
                    tick={{ fontSize: 11, fill: "#64748b" }}
                    width={56}
                  />
                </>
              )}
              <Tooltip
                contentStyle={tooltipStyle}
                formatter={(v) => fmt(unit, Number(v))}
                cursor={{ fill: "#f1f5fa" }}
              />
              {series ? (
                <>
                  {series.map((s, i) => (
                    <Bar
                      key={s.key}
                      dataKey={s.key}
                      name={s.name}
                      fill={colorFor(i, s.color)}
                      radius={horizontal ? [0, 4, 4, 0] : [4, 4, 0, 0]}
                      isAnimationActive={false}
                    >
                      {s.key === "value"
                        ? data.map((d, j) => (
                            <Cell key={j} fill={spec.data[j].color || colorFor(i, s.color)} />
                          ))
                        : null}
                    </Bar>
                  ))}
                </>
              ) : (
                <Bar
                  dataKey="value"
                  name={spec.title}
                  radius={horizontal ? [0, 4, 4, 0] : [4, 4, 0, 0]}
                  isAnimationActive={false}
                >
                  {data.map((d, i) => (
                    <Cell
                      key={i}
                      fill={spec.data[i].color || (d.value < 0 ? "#dc2626" : PALETTE[0])}
                    />
                  ))}
                </Bar>
              )}
            </BarChart>
          </ResponsiveContainer>
          {series && <SeriesLegend spec={spec} series={series} />}
        </>
      );
    }
    case "area":
    case "line": {
      const series: ChartSeries[] = chartSeries(spec) ?? [
        { key: "value", name: spec.title, color: PALETTE[0] },
      ];
      const Chart = spec.type === "area" ? AreaChart : LineChart;
      return (
        <ResponsiveContainer width="100%" height={height}>
          <Chart data={data} margin={{ top: 8, right: 16, left: 0, bottom: 4 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#edf1f6" />
            <XAxis dataKey="name" tick={{ fontSize: 11, fill: "#334155" }} />
            <YAxis
              tickFormatter={(v) => fmt(unit, Number(v))}
              tick={{ fontSize: 11, fill: "#64748b" }}
              width={60}
            />
            <Tooltip contentStyle={tooltipStyle} formatter={(v) => fmt(unit, Number(v))} />
            {series.map((s, i) =>
              spec.type === "area" ? (
                <Area
                  key={s.key}
                  dataKey={s.key}
                  name={s.name}
                  stroke={colorFor(i, s.color)}
                  fill={colorFor(i, s.color)}
                  fillOpacity={0.15}
                  isAnimationActive={false}
                />
              ) : (
                <Line
                  key={s.key}
                  dataKey={s.key}
                  name={s.name}
                  stroke={colorFor(i, s.color)}
                  strokeWidth={2}
                  dot={false}
                  isAnimationActive={false}
                />
              ),
            )}
          </Chart>
        </ResponsiveContainer>
      );
    }
    default:
      return <p className="text-sm text-slate-500">Unsupported chart type “{spec.type}”.</p>;
  }
}

/** Legend for multi-series bars; a series whose bars carry their own colours (e.g. red when
 *  outside the drift band) shows each of those colours. */
function SeriesLegend({ spec, series }: { spec: ChartSpec; series: ChartSeries[] }) {
  const perDatum = [...new Set(spec.data.map((d) => d.color).filter((c): c is string => !!c))];
  return (
    <div className="mt-1 flex flex-wrap justify-center gap-4 text-xs text-slate-600">
      {series.map((s, i) => (
        <span key={s.key} className="flex items-center gap-1.5">
          {s.key === "value" && perDatum.length ? (
            perDatum.map((c) => (
              <span key={c} className="h-2.5 w-2.5 rounded-sm" style={{ background: c }} />
            ))
          ) : (
            <span className="h-2.5 w-2.5 rounded-sm" style={{ background: colorFor(i, s.color) }} />
          )}
          {s.name}
        </span>
      ))}
      {perDatum.includes("#DC2626") || perDatum.includes("#dc2626") ? (
        <span className="text-slate-400">red: outside your drift band</span>
      ) : null}
    </div>
  );
}

/** Retirement fan chart: 10–90 and 25–75 percentile bands around the median. */
export function FanChart({
  points,
  target,
  targetLabel,
  marker,
  height = 320,
}: {
  points: BandPoint[];
  target?: number | null;
  targetLabel?: string;
  marker?: { value: number; label: string };
  height?: number;
}) {
  const data = points.map((p) => ({
    x: p.age,
    base: p.p10,
    outer1: p.p25 - p.p10,
    inner: p.p75 - p.p25,
    outer2: p.p90 - p.p75,
    p10: p.p10,
    p25: p.p25,
    p50: p.p50,
    p75: p.p75,
    p90: p.p90,
  }));
  return (
    <div data-testid="fan-chart">
      <ResponsiveContainer width="100%" height={height}>
        <ComposedChart data={data} margin={{ top: 10, right: 16, left: 4, bottom: 4 }}>
          <defs>
            <linearGradient id="fanOuter" x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" stopColor="#209DD7" stopOpacity={0.22} />
              <stop offset="100%" stopColor="#209DD7" stopOpacity={0.12} />
            </linearGradient>
            <linearGradient id="fanInner" x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" stopColor="#209DD7" stopOpacity={0.45} />
              <stop offset="100%" stopColor="#209DD7" stopOpacity={0.3} />
            </linearGradient>
          </defs>
          <CartesianGrid strokeDasharray="3 3" stroke="#edf1f6" />
          <XAxis dataKey="x" tick={{ fontSize: 11, fill: "#334155" }} minTickGap={18} />
          {marker && (
            <ReferenceLine
              x={marker.value}
              stroke="#753991"
              strokeDasharray="4 3"
              label={{
                value: marker.label,
                position: "insideTopLeft",
                fill: "#753991",
                fontSize: 11,
              }}
            />
          )}
          {target ? (
            <ReferenceLine
              y={target}
              stroke="#FFB707"
              strokeWidth={2}
              strokeDasharray="6 4"
              label={{
                value: targetLabel || "Target",
                position: "insideTopRight",
                fill: "#b45309",
                fontSize: 11,
              }}
            />
          ) : null}
          <YAxis
            tickFormatter={(v) => money(Number(v), { compact: true })}
            tick={{ fontSize: 11, fill: "#64748b" }}
            width={64}
          />
          <Tooltip
            contentStyle={tooltipStyle}
            content={({ active, payload, label }) => {
              if (!active || !payload?.length) return null;
              const p = payload[0].payload as (typeof data)[number];
              return (
                <div style={tooltipStyle} className="bg-white px-3 py-2">
                  <p className="mb-1 font-semibold text-ink">
                    {typeof label === "number" ? `Age ${label}` : label}
                  </p>
                  {(["p90", "p75", "p50", "p25", "p10"] as const).map((k) => (
                    <p key={k} className="num flex justify-between gap-4">
                      <span className="text-slate-500">
                        {k === "p50" ? "Median" : `${k.slice(1)}th pct`}
                      </span>
                      <span className={k === "p50" ? "font-bold" : ""}>
                        {money(p[k], { compact: true })}
                      </span>
                    </p>
                  ))}
                </div>
              );
            }}
          />
          <Area
            type="monotone"
            dataKey="base"
            stackId="fan"
            stroke="none"
            fill="transparent"
            isAnimationActive={false}
          />
          <Area
            type="monotone"
            dataKey="outer1"
            stackId="fan"
            stroke="none"
            fill="url(#fanOuter)"
            name="10th–25th"
            isAnimationActive={false}
          />
          <Area
            type="monotone"
            dataKey="inner"
            stackId="fan"
            stroke="none"
            fill="url(#fanInner)"
            name="25th–75th"
            isAnimationActive={false}
          />
          <Area
            type="monotone"
            dataKey="outer2"
            stackId="fan"
            stroke="none"
            fill="url(#fanOuter)"
            name="75th–90th"
            isAnimationActive={false}
          />
          <Line
            type="monotone"
            dataKey="p50"
            stroke="#062147"
            strokeWidth={2.5}
            dot={false}
            name="Median"
            isAnimationActive={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
      <div className="mt-2 flex flex-wrap gap-4 text-xs text-slate-600">
        <span className="flex items-center gap-1.5">
          <span className="h-2.5 w-5 rounded-sm bg-brand/45" />
          25th–75th percentile
        </span>
        <span className="flex items-center gap-1.5">
          <span className="h-2.5 w-5 rounded-sm bg-brand/20" />
          10th–90th percentile
        </span>
        <span className="flex items-center gap-1.5">
          <span className="h-0.5 w-5 bg-ink" />
          Median
        </span>
      </div>
    </div>
  );
}

/** Semicircle gauge for a probability 0–100. */
export function Gauge({
  value,
  label,
  sublabel,
}: {
  value: number;
  label: string;
  sublabel?: string;
}) {
  const v = Math.max(0, Math.min(100, value));
  const color = v >= 80 ? "#16a34a" : v >= 60 ? "#FFB707" : "#dc2626";
  const r = 80;
  const c = Math.PI * r;
  return (
    <div
      className="flex flex-col items-center"
      role="img"
      aria-label={`${label}: ${pct(value)}`}
      data-testid="success-gauge"
    >
      <svg viewBox="0 0 200 115" className="w-full max-w-[190px] sm:max-w-[240px]">
        <path
          d="M20 100 A80 80 0 0 1 180 100"
          fill="none"
          stroke="#e7edf5"
          strokeWidth="16"
          strokeLinecap="round"
        />
        <path
          d="M20 100 A80 80 0 0 1 180 100"
          fill="none"
          stroke={color}
          strokeWidth="16"
          strokeLinecap="round"
          strokeDasharray={`${(v / 100) * c} ${c}`}
        />
        <text
          x="100"
          y="88"
          textAnchor="middle"
          className="num"
          style={{ fontSize: 30, fontWeight: 800, fill: "#062147" }}
        >
          {pct(value)}
        </text>
      </svg>
      <p className="-mt-1 text-sm font-semibold text-ink">{label}</p>
      {sublabel && <p className="text-xs text-slate-500">{sublabel}</p>}
    </div>
  );
}
