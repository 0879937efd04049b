// The list of served models, refreshed every few seconds: state, versions, task, description and load errors.
import { getJson, modelPath, type ModelDetail, type ModelSummary } from './api.js';
import { clear, el } from './dom.js';

const POLL_MS = 3000;

interface Entry {
  summary: ModelSummary;
  /** The summary as text: a change means the detail is fetched again. */
  key: string;
  detail?: ModelDetail;
}

function stateClass(state: string): string {
  return state === 'ready' ? 'state ready' : state === 'failed' ? 'state failed' : 'state pending';
}

export class ModelList {
  private entries = new Map<string, Entry>();
  private selected: string | null = null;
  private shown = '';

  constructor(
    private readonly list: HTMLElement,
    private readonly status: HTMLElement,
    private readonly onSelect: (name: string) => void,
    /** Called when the selected model's summary or detail changes between polls. */
    private readonly onChange: (detail: ModelDetail | undefined, summary: ModelSummary) => void,
  ) {}

  get(name: string): Entry | undefined {
    return this.entries.get(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  select(name: string): void {
    this.selected = name;
    this.render();
  }

  /** Polls /models forever; the first answer resolves the returned promise. */
  async start(): Promise<void> {
    await this.refresh();
    const loop = () => setTimeout(() => void this.refresh().finally(loop), POLL_MS);
    loop();
  }

  async refresh(): Promise<void> {
    const answer = await getJson<{ models: ModelSummary[] }>('/models');
    if (!answer.ok) {
      this.status.textContent = `The model list could not be read: ${answer.error.message}`;
      return;
    }
    this.status.textContent = answer.body.models.length ? '' : 'No models are served. Put a model file into the repository folder.';
    const next = new Map<string, Entry>();
    await Promise.all(answer.body.models.map(async (summary) => {
      const key = JSON.stringify(summary);
      const old = this.entries.get(summary.name);
      let detail = old?.key === key ? old.detail : undefined;
      if (!detail) {
        const d = await getJson<ModelDetail>(modelPath(summary.name, null));
        if (d.ok) detail = d.body;
      }
      next.set(summary.name, { summary, key, detail });
      if (summary.name === this.selected && old && old.key !== key) this.onChange(detail, summary);
    }));
    this.entries = new Map([...next].sort(([a], [b]) => a.localeCompare(b)));
    this.render();
  }

  private render(): void {
    const shown = JSON.stringify([this.selected, [...this.entries.values()].map((e) => [e.key, e.detail?.signature?.task])]);
    if (shown === this.shown) return;
    this.shown = shown;
    // Rebuilding the buttons must not steal a keyboard user's place.
    const focused = (document.activeElement as HTMLElement | null)?.dataset.model;
    clear(this.list);
    for (const { summary: m, detail } of this.entries.values()) {
      const current = m.name === this.selected;
      const task = detail?.signature?.task;
      const error = m.error ?? detail?.versions.map((v) => v.error ?? v.reload_error).find(Boolean);
      const button = el('button', { type: 'button', class: 'model', 'data-model': m.name, 'aria-current': current ? 'true' : undefined },
        el('span', { class: 'model-name' }, m.name),
        el('span', { class: stateClass(m.state) }, m.state),
        el('span', { class: 'model-meta' }, [`v${m.versions.join(', v')}`, task].filter(Boolean).join(' · ')),
        m.description ? el('span', { class: 'model-description' }, m.description) : null,
        error ? el('span', { class: 'model-error' }, error) : null);
      button.addEventListener('click', () => this.onSelect(m.name));
      this.list.appendChild(el('li', {}, button));
      if (focused === m.name) button.focus();
    }
  }
}
