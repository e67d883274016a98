import type { TopLevelSpec } from 'vega-lite';
import { chartConfig, chartHeight, chartWidth } from './chart-config.js';

/** One datum of a line chart. `description` becomes the point's `aria-label` in the SVG. */
export interface ChartPoint {
  series: string;
  source: 'run' | 'paper';
  x: number;
  y: number;
  lower?: number;
  upper?: number;
  description: string;
}

export interface LineChartSpecOptions {
  points: ChartPoint[];
  xTitle: string;
  yTitle: string;
  /**
   * `ordinal` spaces the x values evenly (training samples 0/100/1,000/5,000/9,000, where a linear
   * axis would crush the first three together and a log axis cannot place 0); `quantitative` keeps
   * them to scale (α).
   */
  xType: 'ordinal' | 'quantitative';
  yDomain?: [number, number];
}

/**
 * A multi-series line chart: solid lines and filled points for our runs, dashed lines and hollow
 * points for the paper, vertical rules for confidence intervals. Only points carry ARIA labels (lines
 * and rules are `aria: false`), so a reader or a test counts exactly one labelled mark per datum.
 */
export function lineChartSpec({
  points,
  xTitle,
  yTitle,
  xType,
  yDomain,
}: LineChartSpecOptions): TopLevelSpec {
  const xValues = [...new Set(points.map((point) => point.x))].sort((a, b) => a - b);
  const series = [...new Set(points.map((point) => point.series))];
  const hasPaper = points.some((point) => point.source === 'paper');
  const hasIntervals = points.some((point) => point.lower !== undefined && point.upper !== undefined);

  const x =
    xType === 'ordinal'
      ? {
          field: 'x',
          type: 'ordinal' as const,
          title: xTitle,
          scale: { domain: xValues },
          axis: { labelAngle: 0 },
        }
      : {
          field: 'x',
          type: 'quantitative' as const,
          title: xTitle,
          scale: { domain: [Math.min(0, ...xValues), Math.max(1, ...xValues)], nice: false },
          axis: { values: xValues, format: '.2~f' },
        };
  const y = {
    field: 'y',
    type: 'quantitative' as const,
    title: yTitle,
    scale: yDomain ? { domain: yDomain } : { zero: false },
  };
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    scale: { domain: series, scheme: series.length > 10 ? 'tableau20' : 'tableau10' },
  };

  return {
    width: chartWidth,
    height: chartHeight,
    config: chartConfig,
    data: { values: points },
    layer: [
      {
        name: 'lines',
        mark: { type: 'line', aria: false, strokeWidth: 1.5 },
        encoding: {
          x,
          y,
          color,
          ...(hasPaper
            ? {
                strokeDash: {
                  field: 'source',
                  type: 'nominal' as const,
                  title: 'source',
                  scale: {
                    domain: ['run', 'paper'],
                    range: [
                      [1, 0],
                      [5, 3],
                    ],
                  },
                },
              }
            : { detail: { field: 'source', type: 'nominal' as const } }),
        },
      },
      ...(hasIntervals
        ? [
            {
              name: 'intervals',
              transform: [{ filter: 'isValid(datum.lower) && isValid(datum.upper)' }],
              mark: { type: 'rule' as const, aria: false, opacity: 0.6 },
              encoding: { x, y: { ...y, field: 'lower' }, y2: { field: 'upper' }, color },
            },
          ]
        : []),
      {
        name: 'run_points',
        transform: [{ filter: "datum.source === 'run'" }],
        mark: { type: 'point', filled: true, size: 45, opacity: 1 },
        encoding: { x, y, color, description: { field: 'description' } },
      },
      ...(hasPaper
        ? [
            {
              name: 'paper_points',
              transform: [{ filter: "datum.source === 'paper'" }],
              mark: { type: 'point' as const, filled: false, size: 35 },
              encoding: { x, y, color, description: { field: 'description' } },
            },
          ]
        : []),
    ],
  };
}
