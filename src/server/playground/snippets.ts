// The request the form just sent, as curl, Python requests, JavaScript fetch and the Open Inference Protocol (V2).
import type { Row, SignatureView, TensorView } from './api.js';
import { clear, el } from './dom.js';

const V2_TYPES: Record<string, string> = {
  float64: 'FP64', float32: 'FP32', float16: 'FP16', int64: 'INT64', int32: 'INT32', int16: 'INT16', int8: 'INT8',
  uint64: 'UINT64', uint32: 'UINT32', uint16: 'UINT16', uint8: 'UINT8', bool: 'BOOL', string: 'BYTES',
};

export interface Snippet {
  id: string;
  title: string;
  /** What the block is about, shown above it (the V2 block is a body, so its URL goes here). */
  caption?: string;
  code: string;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A JSON value as a Python literal (None, True, False; JSON strings are valid Python strings). */
function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(', ')}]`;
  if (typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`).join(', ')}}`;
  return JSON.stringify(value);
}

/**
 * Indented JSON with arrays of scalars kept on one line. Line breaks inside JSON strings are escaped, so every
 * newline is between tokens and joining an array's lines cannot change a value.
 */
function compactJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\[\n\s*([^[\]{}]*?)\n\s*\]/g, (_, items: string) => `[${items.replace(/\n\s*/g, ' ')}]`);
}

/** One tensor per graph input: a table model's single [1, F] matrix in feature order, or one column per input. */
export function v2Request(signature: SignatureView, row: Row): { inputs: { name: string; shape: number[]; datatype: string; data: unknown[] }[] } {
  const features = signature.features ?? [];
  const tensor = (input: TensorView, data: unknown[], shape: number[]) => ({ name: input.name, shape, datatype: V2_TYPES[input.type] ?? input.type.toUpperCase(), data });
  if (signature.inputs.length === 1) {
    const input = signature.inputs[0];
    const data = features.map((f) => row[f.name]);
    return { inputs: [tensor(input, data, input.shape.length >= 2 ? [1, data.length] : [1])] };
  }
  return {
    inputs: signature.inputs.map((input) => tensor(input, [row[input.name] ?? null], input.shape.length >= 2 ? [1, 1] : [1])),
  };
}

export function snippets(origin: string, path: string, v2Path: string, signature: SignatureView, row: Row): Snippet[] {
  const url = `${origin}${path}`;
  // A row is flat (names to scalars): spaced JSON reads better and wraps at its spaces.
  const json = `{${Object.entries(row).map(([name, value]) => `${JSON.stringify(name)}: ${JSON.stringify(value)}`).join(', ')}}`;
  return [
    { id: 'curl', title: 'curl', code: `curl -s ${url} \\\n  -H 'content-type: application/json' \\\n  -d ${shellQuote(json)}` },
    {
      id: 'python',
      title: 'Python',
      code: `import requests\n\nres = requests.post(\n    ${JSON.stringify(url)},\n    json=${pythonLiteral(row)},\n)\nprint(res.json())`,
    },
    {
      id: 'fetch',
      title: 'JavaScript',
      code: `const res = await fetch(${JSON.stringify(url)}, {\n  method: 'POST',\n  headers: { 'content-type': 'application/json' },\n  body: JSON.stringify(${json}),\n});\nconsole.log(await res.json());`,
    },
    { id: 'v2', title: 'V2 JSON', caption: `POST ${origin}${v2Path}`, code: compactJson(v2Request(signature, row)) },
  ];
}

/** Copies text, falling back to a selection and execCommand where the Clipboard API is not allowed. */
async function copy(text: string, block: HTMLElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const range = document.createRange();
    range.selectNodeContents(block);
    const selection = getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    return document.execCommand('copy');
  }
}

/** Tabs (arrow keys move between them), one code block each with a copy button. */
export function renderSnippets(container: HTMLElement, list: Snippet[], status: HTMLElement): void {
  clear(container);
  const tabs = el('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Request as' });
  const panels: HTMLElement[] = [];
  const buttons: HTMLButtonElement[] = [];
  const select = (i: number, focus: boolean) => {
    buttons.forEach((b, j) => {
      b.setAttribute('aria-selected', String(i === j));
      b.tabIndex = i === j ? 0 : -1;
      panels[j].hidden = i !== j;
    });
    if (focus) buttons[i].focus();
  };
  list.forEach((s, i) => {
    const code = el('code', {}, s.code);
    const pre = el('pre', { id: `snippet-${s.id}-code`, tabindex: 0 }, code);
    const button = el('button', { type: 'button', class: 'copy' }, 'Copy');
    button.addEventListener('click', async () => {
      status.textContent = (await copy(s.code, pre)) ? `${s.title} request copied` : 'Copy failed: select the text and copy it';
    });
    panels.push(el('div', { id: `snippet-${s.id}`, class: 'snippet', role: 'tabpanel', 'aria-labelledby': `tab-${s.id}` },
      el('div', { class: 'snippet-head' }, el('span', { class: 'caption' }, s.caption ?? ''), button),
      pre));
    const tab = el('button', { id: `tab-${s.id}`, type: 'button', role: 'tab', 'aria-controls': `snippet-${s.id}` }, s.title);
    tab.addEventListener('click', () => select(i, false));
    tab.addEventListener('keydown', (e) => {
      const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (step) select((i + step + list.length) % list.length, true);
    });
    buttons.push(tab);
    tabs.appendChild(tab);
  });
  container.append(tabs, ...panels);
  select(0, false);
}
