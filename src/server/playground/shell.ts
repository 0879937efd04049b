// Server side: the playground's HTML shell and its stylesheet, served by routes/playground.ts. The page's behaviour
// is in the browser modules beside this file (main.ts and what it imports); no inline scripts or styles (CSP).
import { SERVER_NAME, SERVER_VERSION } from '../../version.js';

export function playgroundHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${SERVER_NAME} playground</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/playground/playground.css">
<script type="module" src="/playground/main.js"></script>
</head>
<body>
<a class="skip" href="#workspace">Skip to the model</a>
<header class="top">
  <p class="brand">${SERVER_NAME} <span>playground</span></p>
  <nav aria-label="API"><a href="/docs">API docs</a><a href="/openapi.json">OpenAPI</a><a href="/metrics">Metrics</a></nav>
</header>
<div class="layout">
  <aside class="models" aria-labelledby="models-title">
    <h2 id="models-title">Models</h2>
    <p id="models-status" class="muted" role="status"></p>
    <ul id="model-list" class="model-list"></ul>
    <p class="muted small">Server ${SERVER_VERSION}. The list refreshes every few seconds.</p>
  </aside>
  <main id="workspace" class="workspace" tabindex="-1">
    <section class="panel" aria-labelledby="model-title">
      <h1 id="model-title">Loading the models…</h1>
      <p id="model-description"></p>
      <p id="model-meta" class="muted"></p>
      <div id="version-field" class="inline-field" hidden>
        <label for="version-select">Version</label><select id="version-select"></select>
      </div>
      <p id="model-error" class="alert" role="alert" hidden></p>
      <form id="predict-form" novalidate hidden>
        <fieldset>
          <legend>Features</legend>
          <div id="fields" class="fields"></div>
        </fieldset>
        <p id="form-error" class="alert" role="alert" hidden></p>
        <div class="actions">
          <button type="submit" id="predict-button" class="primary">Predict</button>
          <button type="button" id="reset-example">Reset to the example</button>
        </div>
      </form>
    </section>
    <p id="result-status" class="visually-hidden" role="status" aria-live="polite"></p>
    <section id="result" class="panel" aria-labelledby="result-title" hidden>
      <h2 id="result-title">Result</h2>
      <div id="prediction"></div>
      <div id="explanation"></div>
    </section>
    <section id="request" class="panel" aria-labelledby="request-title" hidden>
      <h2 id="request-title">The same request, to copy</h2>
      <div id="snippets"></div>
      <p id="copy-status" class="muted small" role="status" aria-live="polite"></p>
    </section>
    <section id="batch" class="panel" aria-labelledby="batch-title" hidden>
      <h2 id="batch-title">Score a CSV file</h2>
      <p class="muted">A header row of feature names, then one row per line. The file is sent as it is to the predict
        route (text/csv) and the answer comes back as CSV. <a id="template-link" href="#">Download a template</a>.</p>
      <form id="batch-form" class="batch-form">
        <label for="csv-file">CSV file</label>
        <input id="csv-file" type="file" accept=".csv,text/csv">
        <button type="submit" id="csv-button">Score the file</button>
      </form>
      <progress id="batch-progress" hidden aria-label="Rows scored"></progress>
      <p id="batch-status" role="status" aria-live="polite"></p>
      <div id="batch-result"></div>
    </section>
  </main>
</div>
</body>
</html>
`;
}

export const PLAYGROUND_CSS = `
:root {
  --ink: #1b1f24; --muted: #4f5b66; --line: #d0d7de; --bg: #f6f8fa; --panel: #ffffff;
  --accent: #1f5fbf; --accent-ink: #ffffff; --focus: #b35c00; --error: #b42318; --error-bg: #fef3f2;
  --positive: #b54708; --negative: #1f5fbf; --ok: #067647; --warn: #8a5a00;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  color: var(--ink); background: var(--bg); line-height: 1.45;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 8px; top: 8px; background: var(--panel); padding: 6px 10px; z-index: 1; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.muted { color: var(--muted); }
.small { font-size: 0.85rem; }
.top { display: flex; align-items: center; justify-content: space-between; gap: 12px; flex-wrap: wrap;
  padding: 10px 20px; background: #0f2a4a; color: #fff; }
.brand { margin: 0; font-weight: 700; font-size: 1.15rem; }
.brand span { font-weight: 400; opacity: 0.85; }
.top nav { display: flex; gap: 16px; }
.top nav a { color: #fff; }
.layout { display: grid; grid-template-columns: 300px minmax(0, 1fr); gap: 20px; padding: 20px; max-width: 1400px; margin: 0 auto; }
.models h2 { margin: 0 0 8px; font-size: 1.05rem; }
.model-list { list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; }
.model { display: grid; grid-template-columns: 1fr auto; gap: 2px 8px; width: 100%; text-align: left; font: inherit;
  color: inherit; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; cursor: pointer; }
.model:hover { border-color: var(--accent); }
.model[aria-current="true"] { border: 2px solid var(--accent); padding: 9px 11px; background: #eef4fc; }
.model-name { font-weight: 650; }
.model-meta, .model-description { grid-column: 1 / -1; font-size: 0.85rem; color: var(--muted); }
.model-error { grid-column: 1 / -1; font-size: 0.85rem; color: var(--error); overflow-wrap: anywhere; }
.state { font-size: 0.75rem; font-weight: 600; border-radius: 999px; padding: 1px 8px; align-self: start; border: 1px solid currentColor; }
.state.ready { color: var(--ok); }
.state.pending { color: var(--warn); }
.state.failed { color: var(--error); }
.workspace { display: grid; gap: 20px; align-content: start; min-width: 0; }
.workspace:focus { outline: none; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; min-width: 0; }
.panel h1 { margin: 0 0 4px; font-size: 1.5rem; }
.panel h2 { margin: 0 0 12px; font-size: 1.15rem; }
.panel h3 { margin: 18px 0 6px; font-size: 1rem; }
#model-description { margin: 0 0 2px; }
#model-meta { margin: 0 0 12px; font-size: 0.9rem; }
fieldset { border: 0; margin: 0; padding: 0; min-width: 0; }
legend { font-weight: 650; margin-bottom: 8px; padding: 0; }
.fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 12px 16px; }
.fields-text { grid-template-columns: 1fr; }
.field { display: flex; flex-direction: column; gap: 3px; min-width: 0; }
.field label { font-weight: 600; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9rem; overflow-wrap: anywhere; }
input, select, textarea, button { font: inherit; }
input, select, textarea { border: 1px solid #8c959f; border-radius: 6px; padding: 6px 8px; background: #fff; color: var(--ink); width: 100%; }
textarea { resize: vertical; }
[aria-invalid="true"] { border: 2px solid var(--error); background: var(--error-bg); }
.help { margin: 0; font-size: 0.8rem; color: var(--muted); }
.field-error { margin: 0; font-size: 0.85rem; color: var(--error); font-weight: 600; }
.alert { color: var(--error); background: var(--error-bg); border: 1px solid #f3b7b2; border-radius: 6px; padding: 8px 12px; overflow-wrap: anywhere; }
.actions { display: flex; gap: 10px; flex-wrap: wrap; margin-top: 16px; }
button, .button { border: 1px solid #8c959f; background: #fff; color: var(--ink); border-radius: 6px; padding: 7px 14px; cursor: pointer; text-decoration: none; display: inline-block; }
button:hover, .button:hover { border-color: var(--accent); }
button.primary, .button { background: var(--accent); color: var(--accent-ink); border-color: var(--accent); font-weight: 600; }
button:disabled { opacity: 0.6; cursor: progress; }
.inline-field { display: flex; align-items: center; gap: 8px; margin: 6px 0 12px; }
.inline-field select { width: auto; }
.outcome { font-size: 1.2rem; margin: 0 0 10px; }
.outcome strong { font-size: 1.35rem; }
.latency { font-size: 0.85rem; color: var(--muted); margin: 10px 0 0; }
.bars { list-style: none; padding: 0; margin: 0; display: grid; gap: 6px; }
.bar-row { display: grid; grid-template-columns: minmax(90px, 160px) minmax(0, 1fr) 70px; gap: 10px; align-items: center; }
.bar-name { overflow-wrap: anywhere; }
.bar-track { height: 18px; background: #eaeef2; border-radius: 4px; overflow: hidden; }
.bar-fill { display: block; height: 100%; background: #7ea6dd; }
.bar-row.chosen .bar-name { font-weight: 700; }
.bar-row.chosen .bar-fill { background: var(--accent); }
.bar-value { text-align: right; font-variant-numeric: tabular-nums; }
.contributions { margin: 0; }
.contrib-list { list-style: none; padding: 0; margin: 0; display: grid; gap: 5px; }
.contrib-row { display: grid; grid-template-columns: minmax(120px, 260px) minmax(0, 1fr) 80px; gap: 10px; align-items: center; }
.contrib-name { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85rem; overflow-wrap: anywhere; }
.contrib-input { color: var(--muted); }
.contrib-track { position: relative; height: 16px; background: linear-gradient(to right, transparent calc(50% - 1px), #57606a calc(50% - 1px), #57606a calc(50% + 1px), transparent calc(50% + 1px)); }
.contrib-bar { position: absolute; top: 1px; bottom: 1px; display: block; }
.contrib-bar.positive { left: 50%; background: var(--positive); border-radius: 0 3px 3px 0; }
.contrib-bar.negative { right: 50%; background: var(--negative); border-radius: 3px 0 0 3px; }
.contrib-value { text-align: right; font-variant-numeric: tabular-nums; font-size: 0.9rem; }
.contributions figcaption { margin-top: 10px; font-size: 0.9rem; display: flex; flex-wrap: wrap; gap: 4px; }
.tabs { display: flex; flex-wrap: wrap; gap: 4px; border-bottom: 1px solid var(--line); }
.tabs [role="tab"] { border: 1px solid transparent; border-bottom: 0; border-radius: 6px 6px 0 0; background: transparent; padding: 6px 12px; margin-bottom: -1px; }
.tabs [role="tab"][aria-selected="true"] { border-color: var(--line); background: var(--panel); font-weight: 650; border-bottom: 1px solid var(--panel); }
.snippet-head { display: flex; justify-content: space-between; align-items: center; gap: 8px; margin: 8px 0 6px; }
.caption { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85rem; overflow-wrap: anywhere; }
pre { margin: 0; background: #0f1720; color: #e6edf3; padding: 12px 14px; border-radius: 8px; overflow: auto; font-size: 0.85rem;
  max-height: 340px; white-space: pre-wrap; overflow-wrap: anywhere; }
pre.raw { background: var(--bg); color: var(--ink); }
.batch-form { display: flex; flex-wrap: wrap; align-items: center; gap: 10px; }
.batch-form input[type="file"] { flex: 0 1 auto; width: auto; max-width: 100%; border: 0; padding: 0; }
progress { width: 100%; height: 12px; margin-top: 12px; }
.table-wrap { overflow-x: auto; margin-top: 12px; }
table { border-collapse: collapse; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: var(--muted); padding-bottom: 4px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; }
#batch-result .button { margin-top: 4px; }
@media (max-width: 760px) {
  .layout { grid-template-columns: 1fr; padding: 12px; gap: 12px; }
  .panel { padding: 14px; }
  .top { padding: 10px 12px; }
  .bar-row { grid-template-columns: minmax(70px, 110px) minmax(0, 1fr) 62px; }
  .contrib-row { grid-template-columns: minmax(0, 1fr) 70px; }
  .contrib-row .contrib-track { grid-column: 1 / -1; grid-row: 2; }
  .model-list { grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); }
  .model-description { display: none; }
}
`;
