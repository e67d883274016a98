import type { Config } from 'vega-lite';

/**
 * Shared look of every chart: fixed size (there is no container to measure in Node), legends below
 * the plot so long configuration labels do not squeeze it, no chart-level tooltips or signals since
 * the report is viewed without scripts.
 */
export const chartConfig: Config = {
  view: { stroke: null },
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#e6e6e6' },
  legend: {
    orient: 'bottom',
    labelLimit: 420,
    labelFontSize: 11,
    titleFontSize: 11,
    columns: 2,
    symbolLimit: 0,
  },
};

export const chartWidth = 560;
export const chartHeight = 280;
