/**
 * The report's whole stylesheet, inlined so `report.html` is one file that opens anywhere, offline,
 * and survives being attached to an issue or an e-mail.
 */
export const reportStyle = `
:root { color-scheme: light; --muted: #666; --line: #ddd; --paper: #6a4c93; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f; margin: 0 auto;
  max-width: 1120px; padding: 24px; background: #fff; }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.35em; margin: 40px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 1.1em; margin: 28px 0 8px; }
nav ul { margin: 4px 0; padding-left: 20px; }
p.meta, p.note, figcaption { color: var(--muted); font-size: 0.9em; }
p.omitted { color: var(--muted); font-style: italic; border-left: 3px solid var(--line); padding-left: 8px; }
figure { margin: 16px 0 24px; }
figure svg { max-width: 100%; height: auto; display: block; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.88em; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid var(--line); padding: 3px 7px; vertical-align: top; text-align: left; }
thead th { background: #f5f5f7; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.missing { color: #aaa; text-align: center; }
.paper { color: var(--paper); }
.ci { color: var(--muted); font-size: 0.85em; }
td.settings { font-size: 0.85em; color: var(--muted); max-width: 360px; }
.table-scroll { overflow-x: auto; }
@media print { body { max-width: none; } h2 { break-before: page; } figure { break-inside: avoid; } }
`;
