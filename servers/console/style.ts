/** The console's one stylesheet (served at /console.css): large targets for a tablet, visible focus, WCAG AA contrast. */
export const CONSOLE_CSS = `
:root { --ink: #1b1f24; --muted: #4a5563; --line: #c9d1da; --bg: #ffffff; --band: #f2f5f8; --accent: #0b5cad;
  --bad: #a4161a; --bad-bg: #fdecec; --warn: #7a4d00; --warn-bg: #fff3d6; --good: #1e6b2f; --good-bg: #e7f5ea; }
* { box-sizing: border-box; }
body { margin: 0; font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #f0a400; outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 8px; z-index: 2; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 16px; padding: 8px 16px; background: #14293d; color: #fff; }
header.top a { color: #fff; text-decoration: none; padding: 10px 8px; border-radius: 4px; display: inline-block; }
header.top a[aria-current="page"] { background: #2c4a66; text-decoration: underline; }
header.top .who { margin-left: auto; display: flex; gap: 8px; align-items: center; }
header.top .brand { font-weight: 700; }
nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px; }
main { padding: 16px; max-width: 1200px; margin: 0 auto; }
h1 { font-size: 1.6rem; margin: 8px 0 16px; } h2 { font-size: 1.25rem; margin: 24px 0 8px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
th, td { text-align: left; padding: 10px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; }
button, .button { font: inherit; min-height: 44px; padding: 8px 16px; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
input, select { font: inherit; min-height: 44px; padding: 6px 8px; border: 1px solid #7b8794; border-radius: 4px; }
input[type="number"] { width: 7em; }
label { display: block; font-weight: 600; margin: 12px 0 4px; }
.inline label { display: inline-block; margin: 0 8px 0 0; }
form.inline { display: inline-flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 0; }
.filters { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: flex-end; background: var(--band); padding: 8px 12px; border-radius: 6px; }
.filters label { margin: 0 0 4px; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 12px; font-size: 0.9rem; font-weight: 600; }
.badge.risk { background: var(--warn-bg); color: var(--warn); border: 1px solid var(--warn); }
.badge.late, .badge.bad { background: var(--bad-bg); color: var(--bad); border: 1px solid var(--bad); }
.badge.good { background: var(--good-bg); color: var(--good); border: 1px solid var(--good); }
.notice { padding: 12px 16px; border-radius: 6px; margin: 12px 0; border: 1px solid; }
.notice.good { background: var(--good-bg); color: var(--good); }
.notice.bad { background: var(--bad-bg); color: var(--bad); }
.notice.warn { background: var(--warn-bg); color: var(--warn); }
.muted { color: var(--muted); }
.id { word-break: break-all; font-size: 0.85rem; }
.pager { display: flex; gap: 12px; margin: 12px 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; } dl.facts dt { font-weight: 600; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.login { max-width: 420px; margin: 48px auto; }
.login input { width: 100%; }
.slip { max-width: 720px; }
@media print {
  header.top, .no-print, .skip { display: none !important; }
  body { font-size: 12pt; } main { padding: 0; }
}
`;
