/** What every HTML page the harness writes looks like: the palette (light and dark), the page, tables and PASS/FAIL tags. */
export const BASE_STYLE = `
:root{color-scheme:light dark;--fg:#1d2027;--muted:#626873;--bg:#fafbfc;--card:#fff;--line:#e3e6ea;--pass:#1f8a4c;--fail:#c23b5a}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8eb;--muted:#9aa0a9;--bg:#15171b;--card:#1d2026;--line:#2e323a}}
*{box-sizing:border-box}
body{margin:0;padding:24px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1180px;margin:0 auto}
dl.meta dd{margin:0;color:var(--fg);overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;background:var(--card);font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:4px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600;font-size:12px}
tr.fail td{background:color-mix(in srgb,var(--fail) 8%,transparent)}
.tag{display:inline-block;padding:0 6px;border-radius:4px;font-size:12px;font-weight:700;color:#fff}
.tag.pass{background:var(--pass)}.tag.fail{background:var(--fail)}
`
