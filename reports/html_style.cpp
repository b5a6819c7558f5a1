// The report's inline stylesheet and script. Plain, printable, readable without the script.
#include "reports/html_parts.h"

namespace synack::reports::html {

const char* stylesheet() {
  return R"CSS(
:root { color-scheme: light; --pass: #1a7f37; --fail: #cf222e; --error: #bc4c00; --skipped: #6e7781;
  --deviation: #9a6700; --muted: #57606a; --line: #d0d7de; --soft: #f6f8fa; --link: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial,
  sans-serif; color: #1f2328; background: #fff; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 24px 0 8px; }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  font-size: 12.5px; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.subtitle { color: var(--muted); margin: 0 0 8px; }
nav.toc { margin: 8px 0 0; display: flex; gap: 16px; flex-wrap: wrap; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
.badge { display: inline-block; min-width: 44px; padding: 1px 8px; border-radius: 10px; color: #fff;
  font-size: 12px; font-weight: 600; text-align: center; white-space: nowrap; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); }
.badge.error { background: var(--error); } .badge.skipped { background: var(--skipped); }
.badge.expected-deviation { background: var(--deviation); }
.bar { display: flex; height: 8px; width: 96px; margin: 4px 0 0 auto; border-radius: 5px; overflow: hidden; background: var(--soft);
  border: 1px solid var(--line); }
.bar span { display: block; height: 100%; }
.bar .pass { background: var(--pass); } .bar .fail { background: var(--fail); } .bar .error { background: var(--error); }
.bar .skipped { background: var(--skipped); } .bar .expected-deviation { background: var(--deviation); }
.warning { border-left: 4px solid var(--error); background: #fff8c5; padding: 8px 12px; margin: 12px 0; }
.failure-list li { margin: 2px 0; }
.cell { text-align: center; white-space: nowrap; font-weight: 600; }
.cell.pass { background: #dafbe1; color: var(--pass); } .cell.fail { background: #ffebe9; color: var(--fail); }
.cell.error { background: #fff1e5; color: var(--error); } .cell.expected-deviation { background: #fff8c5;
  color: var(--deviation); }
.cell.skipped { background: var(--soft); color: var(--skipped); }
.cell.not-covered, .cell.none { color: #8c959f; font-weight: 400; }
.cell a { color: inherit; }
tr.untestable td:not(.cell) { color: var(--muted); }
tr.unknown td.summary { font-style: italic; }
.level { font-size: 11px; font-weight: 600; padding: 0 5px; border-radius: 4px; background: var(--soft);
  border: 1px solid var(--line); }
.legend { color: var(--muted); font-size: 13px; max-width: 900px; }
table.matrix td.summary { max-width: 560px; }
tr.differs td.path { font-weight: 600; }
dl.diff { margin: 4px 0; } dl.diff dt { font-weight: 600; } dl.diff dd { margin: 0 0 4px 12px; }
details.script { border: 1px solid var(--line); border-radius: 6px; margin: 8px 0; background: #fff; }
details.script[data-status="fail"], details.script[data-status="error"] { border-left: 4px solid var(--fail); }
details.script > summary { cursor: pointer; padding: 8px 12px; display: flex; gap: 10px; align-items: baseline;
  flex-wrap: wrap; background: var(--soft); border-radius: 6px; }
details.script[open] > summary { border-bottom: 1px solid var(--line); border-radius: 6px 6px 0 0; }
details.script > summary .title { font-weight: 600; }
details.script > summary .path { color: var(--muted); }
details.script > summary .reqs { color: var(--muted); font-size: 12px; margin-left: auto; }
.script-body { padding: 10px 14px 14px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0 0 10px; }
dl.meta dt { color: var(--muted); } dl.meta dd { margin: 0; }
.reason { background: var(--soft); border-left: 4px solid var(--skipped); padding: 6px 10px; margin: 8px 0; }
.failure { border: 1px solid #ffcecb; background: #fff8f8; border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.failure-message { margin: 0 0 6px; color: var(--fail); font-weight: 600; }
.script-line { margin: 0 0 8px; color: #1f2328; }
.expected-actual { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.expected-actual > div { background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: 6px 8px; }
.expected-actual h4 { margin: 0 0 4px; font-size: 12px; color: var(--muted); text-transform: uppercase; }
.expected-actual .actual h4 { color: var(--fail); }
.ladder-wrap { overflow-x: auto; margin-top: 8px; border: 1px solid var(--line); border-radius: 4px; }
svg.ladder { display: block; }
#filters { display: flex; gap: 14px; flex-wrap: wrap; align-items: center; margin: 8px 0; padding: 6px 10px;
  background: var(--soft); border: 1px solid var(--line); border-radius: 6px; }
#filters button { font: inherit; font-size: 13px; padding: 2px 10px; border: 1px solid var(--line);
  border-radius: 4px; background: #fff; cursor: pointer; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print { details.script { break-inside: avoid; } #filters { display: none; } }
)CSS";
}

const char* script() {
  return R"JS(
(function () {
  var scripts = document.querySelectorAll('details.script');
  var filters = document.getElementById('filters');
  if (filters) {
    filters.hidden = false;
    var apply = function () {
      var shown = {};
      filters.querySelectorAll('input[data-status]').forEach(function (box) { shown[box.dataset.status] = box.checked; });
      scripts.forEach(function (d) { d.hidden = shown[d.dataset.status] === false; });
    };
    filters.addEventListener('change', apply);
    document.getElementById('expand-all').addEventListener('click', function () {
      scripts.forEach(function (d) { if (!d.hidden) d.open = true; });
    });
    document.getElementById('collapse-all').addEventListener('click', function () {
      scripts.forEach(function (d) { d.open = false; });
    });
  }
  var coverage = document.getElementById('covered-only');
  if (coverage) {
    coverage.closest('p').hidden = false;
    coverage.addEventListener('change', function () {
      document.querySelectorAll('#requirement-matrix tr[data-covered="false"]').forEach(function (row) {
        row.hidden = coverage.checked;
      });
    });
  }
  var openTarget = function () {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.tagName === 'DETAILS') { el.hidden = false; el.open = true; el.scrollIntoView(); }
  };
  window.addEventListener('hashchange', openTarget);
  openTarget();
})();
)JS";
}

}  // namespace synack::reports::html
