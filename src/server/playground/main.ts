// The playground page: pick a served model, fill its features, see the prediction, why, and the request to copy.
import { getJson, modelPath, postJson, type Answer, type ErrorDetail, type ExplainAnswer, type Explanation, type ModelDetail, type ModelSummary, type Prediction, type Row } from './api.js';
import { contributionChart, probabilityChart } from './charts.js';
import { byId, clear, el, formatNumber } from './dom.js';
import { FeatureForm } from './form.js';
import { ModelList } from './models.js';
import { renderSnippets, snippets } from './snippets.js';
import { scoreCsv, templateCsv } from './upload.js';

interface Current {
  detail: ModelDetail;
  /** The version chosen in the version select; null: whatever version the server serves by default. */
  version: number | null;
}

let current: Current | null = null;
/** Counts selections, so that the answer for a model picked earlier cannot overwrite a later pick. */
let selections = 0;
let templateUrl: string | null = null;

const form = new FeatureForm(byId('fields'));
const narrow = matchMedia('(max-width: 760px)');
const models = new ModelList(byId('model-list'), byId('models-status'), (name) => void pickModel(name), onModelChange);

/** A model chosen in the list; on a phone the form is below the list, so focus moves there. */
async function pickModel(name: string): Promise<void> {
  await selectModel(name);
  if (narrow.matches) byId('workspace').focus();
}

function show(id: string, visible: boolean): void {
  byId(id).hidden = !visible;
}

const STATE_TEXT: Record<string, (errors: string) => string> = {
  failed: (errors) => `This model failed to load: ${errors || 'see the server log'}`,
  loading: () => 'This model is loading; the form appears once it is ready.',
  unloaded: () => 'This model is not in memory now (the server keeps fewer models loaded); it loads again on its next request.',
  unavailable: () => 'This model was unloaded through the repository API; it serves again once loaded.',
};

/** Why the form cannot be offered for this model, or null when it can. */
function servingProblem(detail: ModelDetail): string | null {
  if (detail.state !== 'ready') {
    const errors = [detail.error, ...detail.versions.map((v) => v.error ?? v.reload_error)].filter(Boolean).join('; ');
    return STATE_TEXT[detail.state]?.(errors) ?? `This model is ${detail.state}${errors ? `: ${errors}` : '.'}`;
  }
  if (!detail.signature) return 'The server gives no signature for this model.';
  if (!detail.signature.features) return 'This model takes tensors, not named features: use the V2 API (see /docs).';
  return null;
}

function renderHead(detail: ModelDetail, chosen: number | null): void {
  byId('model-title').textContent = detail.name;
  byId('model-description').textContent = detail.description ?? '';
  const version = detail.versions.find((v) => v.version === detail.version);
  const meta = [`version ${detail.version}`, version?.estimator, detail.signature?.task, detail.state].filter(Boolean).join(' · ');
  byId('model-meta').textContent = meta;
  const select = byId<HTMLSelectElement>('version-select');
  const ready = detail.versions.filter((v) => v.state === 'ready');
  clear(select);
  select.append(el('option', { value: '' }, `default (v${detail.default_version ?? '?'})`), ...ready.map((v) => el('option', { value: v.version }, `v${v.version}`)));
  select.value = chosen === null ? '' : String(chosen);
  show('version-field', ready.length > 1);
  const problem = servingProblem(detail);
  byId('model-error').textContent = problem ?? '';
  show('model-error', problem !== null);
}

function clearResult(): void {
  show('result', false);
  show('request', false);
  clear(byId('prediction'));
  clear(byId('explanation'));
}

async function selectModel(name: string, version: number | null = null): Promise<void> {
  models.select(name);
  if (location.hash !== `#${encodeURIComponent(name)}`) history.replaceState(null, '', `#${encodeURIComponent(name)}`);
  const entry = models.get(name);
  const ticket = ++selections;
  const answer = await getJson<ModelDetail>(modelPath(name, version));
  if (ticket !== selections) return;
  const detail = answer.ok ? answer.body : entry?.detail;
  clearResult();
  clear(byId('batch-result'));
  byId('batch-status').textContent = '';
  show('batch-progress', false);
  if (!detail) {
    current = null;
    byId('model-title').textContent = name;
    byId('model-description').textContent = entry?.summary.description ?? '';
    byId('model-meta').textContent = '';
    byId('model-error').textContent = answer.ok ? '' : answer.error.message;
    show('model-error', true);
    show('predict-form', false);
    show('batch', false);
    return;
  }
  current = { detail, version };
  renderHead(detail, version);
  const usable = servingProblem(detail) === null;
  show('predict-form', usable);
  show('batch', usable);
  byId('form-error').hidden = true;
  if (!usable) return;
  form.build(detail.signature!.features!, detail.example);
  setTemplate(detail);
}

/** A polled change to the model on screen: rebuild only when what the form is built from changed. */
function onModelChange(detail: ModelDetail | undefined, summary: ModelSummary): void {
  if (!current || current.detail.name !== summary.name) return;
  const before = JSON.stringify([current.detail.signature, current.detail.state, current.detail.version]);
  const after = detail ? JSON.stringify([detail.signature, detail.state, detail.version]) : '';
  if (before !== after) void selectModel(summary.name, current.version);
}

function setTemplate(detail: ModelDetail): void {
  const names = detail.signature!.features!.map((f) => f.name);
  if (templateUrl) URL.revokeObjectURL(templateUrl);
  templateUrl = URL.createObjectURL(new Blob([templateCsv(names, form.values())], { type: 'text/csv' }));
  const link = byId<HTMLAnchorElement>('template-link');
  link.href = templateUrl;
  link.download = `${detail.name}-template.csv`;
}

function showFormError(message: string, details: ErrorDetail[]): void {
  const unplaced = form.showErrors(details);
  const text = details.length && !unplaced.length ? `Check the marked field${details.length > 1 ? 's' : ''}: ${message}` : message;
  const box = byId('form-error');
  box.textContent = text;
  box.hidden = false;
}

function renderPrediction(prediction: Prediction, ms: number): void {
  const out = byId('prediction');
  clear(out);
  const latency = el('p', { class: 'latency' }, `Answered in ${formatNumber(ms, 3)} ms (round trip from this browser)`);
  if (prediction.label !== undefined) {
    out.append(el('p', { class: 'outcome' }, 'Prediction: ', el('strong', { id: 'predicted-label' }, String(prediction.label))));
    if (prediction.probabilities) out.append(probabilityChart(prediction.probabilities, prediction.label));
    else out.append(el('p', { class: 'muted' }, 'This classifier gives no probabilities (it has no predict_proba): the label alone.'));
    if (prediction.score !== undefined) out.append(el('p', {}, 'Score: ', el('data', { value: String(prediction.score) }, formatNumber(prediction.score, 6))));
  } else if (typeof prediction.value === 'number') {
    out.append(el('p', { class: 'outcome' }, 'Predicted value: ', el('strong', { id: 'predicted-value' }, el('data', { value: String(prediction.value) }, formatNumber(prediction.value, 6)))));
  } else {
    out.append(el('pre', { class: 'raw' }, JSON.stringify(prediction, null, 2)));
  }
  out.append(latency);
}

function renderExplanation(answer: Answer<ExplainAnswer>, row: Row, label: string | number | undefined): void {
  const out = byId('explanation');
  clear(out);
  if (!answer.ok) {
    const why = answer.error.code === 'NOT_EXPLAINABLE' ? answer.error.message : `The explanation failed: ${answer.error.message}`;
    out.append(el('h3', {}, 'Why'), el('p', { id: 'not-explainable', class: 'muted' }, why));
    return;
  }
  const list: Explanation[] = Array.isArray(answer.body.explanation) ? answer.body.explanation : [answer.body.explanation];
  const chart = el('div', { id: 'contribution-chart' });
  const draw = (i: number) => {
    clear(chart);
    chart.append(contributionChart(list[i], answer.body.space, row));
  };
  out.append(el('h3', {}, 'Why: each feature\u2019s contribution'));
  const single = list.length === 1;
  const intro = single && list[0].class !== undefined ? `Towards class “${list[0].class}”. ` : '';
  out.append(el('p', { class: 'muted small' }, `${intro}Bars right of the line raise the output, bars left of it lower it. Exact: TreeSHAP on the trees' own covers, or coefficient × (x − mean) for linear models.`));
  if (!single) {
    const select = el('select', { id: 'explain-class' }, ...list.map((e, i) => el('option', { value: i }, String(e.class ?? i))));
    const chosen = Math.max(0, list.findIndex((e) => String(e.class) === String(label)));
    select.value = String(chosen);
    select.addEventListener('change', () => draw(Number(select.value)));
    out.append(el('div', { class: 'inline-field' }, el('label', { for: 'explain-class' }, 'Class'), select));
    draw(chosen);
  } else {
    draw(0);
  }
  out.append(chart);
}

/** What the status region reads out after a prediction. */
function announcement(p: Prediction): string {
  if (p.label === undefined) return typeof p.value === 'number' ? `Predicted value ${formatNumber(p.value, 6)}` : 'Prediction ready';
  const probability = p.probabilities?.[String(p.label)];
  return `Predicted ${p.label}${probability === undefined ? '' : `, probability ${(probability * 100).toFixed(1)}%`}`;
}

async function predict(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  if (!current?.detail.signature) return;
  const { detail, version } = current;
  const signature = detail.signature!;
  form.clearErrors();
  byId('form-error').hidden = true;
  const row = form.values();
  const button = byId<HTMLButtonElement>('predict-button');
  button.disabled = true;
  byId('result-status').textContent = 'Scoring…';
  try {
    const answer = await postJson<{ prediction: Prediction }>(modelPath(detail.name, version, 'predict'), row);
    if (!answer.ok) {
      clearResult();
      byId('result-status').textContent = '';
      showFormError(answer.error.message, answer.error.details ?? []);
      return;
    }
    const prediction = answer.body.prediction;
    renderPrediction(prediction, answer.ms);
    const v2 = `/v2/models/${encodeURIComponent(detail.name)}${version === null ? '' : `/versions/${version}`}/infer`;
    renderSnippets(byId('snippets'), snippets(location.origin, modelPath(detail.name, version, 'predict'), v2, signature, row), byId('copy-status'));
    show('result', true);
    show('request', true);
    byId('result-status').textContent = announcement(prediction);
    renderExplanation(await postJson<ExplainAnswer>(modelPath(detail.name, version, 'explain'), row), row, prediction.label);
  } finally {
    button.disabled = false;
  }
}

async function scoreFile(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const file = byId<HTMLInputElement>('csv-file').files?.[0];
  if (!current || !file) {
    byId('batch-status').textContent = 'Choose a CSV file first.';
    return;
  }
  const button = byId<HTMLButtonElement>('csv-button');
  button.disabled = true;
  try {
    const name = `${current.detail.name}-${file.name.replace(/\.csv$/i, '')}-predictions.csv`;
    await scoreCsv(modelPath(current.detail.name, current.version, 'predict'), file, name, {
      progress: byId<HTMLProgressElement>('batch-progress'),
      status: byId('batch-status'),
      result: byId('batch-result'),
    });
  } finally {
    button.disabled = false;
  }
}

byId<HTMLFormElement>('predict-form').addEventListener('submit', (e) => void predict(e));
byId<HTMLFormElement>('batch-form').addEventListener('submit', (e) => void scoreFile(e));
byId('reset-example').addEventListener('click', () => {
  if (current) void selectModel(current.detail.name, current.version);
});
byId<HTMLSelectElement>('version-select').addEventListener('change', (e) => {
  const value = (e.target as HTMLSelectElement).value;
  if (current) void selectModel(current.detail.name, value === '' ? null : Number(value));
});

await models.start();
const wanted = decodeURIComponent(location.hash.slice(1));
const first = models.names().includes(wanted) ? wanted : models.names()[0];
if (first) await selectModel(first);
