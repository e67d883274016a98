import type { TopLevelSpec } from 'vega-lite';

/**
 * Renders a Vega-Lite spec to a standalone SVG string in Node: compiled to Vega, laid out by a
 * headless `View` with `renderer: 'none'` (no canvas, no DOM). Both loggers are silenced because a
 * library must not print; a spec that cannot render still rejects.
 *
 * Vega and Vega-Lite are imported on first use: together they take about a quarter of a second to
 * load, which users who only compute metrics should not pay.
 *
 * `idPrefix` is put in front of every id the SVG defines (clip paths, gradients) and every reference
 * to one, since several charts inlined in one HTML page must not share ids.
 */
export async function renderChart(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  const [{ logger, None, parse, View }, { compile }] = await Promise.all([
    import('vega'),
    import('vega-lite'),
  ]);
  const { spec: vegaSpec } = compile(spec, { logger: logger(None) });
  const view = new View(parse(vegaSpec), { renderer: 'none', logLevel: None });
  try {
    const svg = await view.toSVG();
    return svg
      .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${idPrefix}-${id}"`)
      .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${idPrefix}-${id})`)
      .replace(/\bhref="#([^"]+)"/g, (_, id: string) => `href="#${idPrefix}-${id}"`);
  } finally {
    view.finalize();
  }
}
