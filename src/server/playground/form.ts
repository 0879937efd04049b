// The feature form: one labelled field per feature of the signature, prefilled with the model's example row.
import type { ErrorDetail, FeatureView, Row, Value } from './api.js';
import { clear, el } from './dom.js';

const NUMERIC = new Set(['float16', 'float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);
const INTEGER = /^u?int/;

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

interface Field {
  feature: FeatureView;
  control: Control;
  error: HTMLElement;
}

/** A model that takes one free-text column (a vectorizer in front) gets a text area instead of a line. */
function isText(features: FeatureView[]): boolean {
  return features.length === 1 && features[0].type === 'string' && !features[0].categories;
}

/** The value a field starts with when the manifest gives no example. */
export function defaultValue(f: FeatureView): Value {
  if (f.categories?.length) return f.categories[0];
  if (f.type === 'bool') return false;
  if (!NUMERIC.has(f.type)) return '';
  if (f.min !== undefined && f.max !== undefined) {
    const mid = (f.min + f.max) / 2;
    return INTEGER.test(f.type) ? Math.round(mid) : mid;
  }
  return f.min ?? 0;
}

function rangeText(f: FeatureView): string {
  if (f.min !== undefined && f.max !== undefined) return `${f.min} to ${f.max}`;
  if (f.min !== undefined) return `≥ ${f.min}`;
  if (f.max !== undefined) return `≤ ${f.max}`;
  return '';
}

function typeText(f: FeatureView): string {
  if (f.categories_only) return 'one of the categories';
  if (NUMERIC.has(f.type)) return INTEGER.test(f.type) ? 'integer' : 'number';
  return f.type === 'bool' ? 'true or false' : 'text';
}

function control(f: FeatureView, id: string, text: boolean, value: Value): Control {
  const shown = value === null ? '' : String(value);
  if (text) return el('textarea', { id, name: f.name, rows: 3, spellcheck: true }, shown);
  if (f.type === 'bool' || (f.categories && f.categories_only)) {
    const options = f.type === 'bool' ? ['false', 'true'] : f.categories!.map(String);
    const select = el('select', { id, name: f.name },
      ...(f.nullable ? [el('option', { value: '' }, '(missing)')] : []),
      ...options.map((o) => el('option', { value: o }, o)));
    select.value = shown;
    return select;
  }
  const numeric = NUMERIC.has(f.type);
  const input = el('input', {
    id,
    name: f.name,
    type: numeric ? 'number' : 'text',
    step: numeric ? (INTEGER.test(f.type) ? 1 : 'any') : undefined,
    min: f.min,
    max: f.max,
    inputmode: numeric ? (INTEGER.test(f.type) ? 'numeric' : 'decimal') : undefined,
    list: f.categories ? `${id}-categories` : undefined,
    autocomplete: 'off',
  });
  input.value = shown;
  return input;
}

export class FeatureForm {
  private fields: Field[] = [];

  constructor(private readonly container: HTMLElement) {}

  /** Builds one field per feature, filled from the example row (else typed defaults). */
  build(features: FeatureView[], example: Row | undefined): void {
    clear(this.container);
    const text = isText(features);
    this.container.classList.toggle('fields-text', text);
    this.fields = features.map((f, i) => {
      const id = `feature-${i}`;
      const value = example && Object.hasOwn(example, f.name) ? example[f.name] : defaultValue(f);
      const c = control(f, id, text, value);
      const helpId = `${id}-help`;
      const errorId = `${id}-error`;
      const range = rangeText(f);
      const help = [f.description, `${typeText(f)}${range ? `, ${range}` : ''}${f.nullable ? ', may be left empty' : ''}`].filter(Boolean).join(' · ');
      c.setAttribute('aria-describedby', `${helpId} ${errorId}`);
      const error = el('p', { id: errorId, class: 'field-error', hidden: true });
      this.container.appendChild(el('div', { class: 'field' },
        el('label', { for: id }, f.name),
        c,
        f.categories && !f.categories_only ? el('datalist', { id: `${id}-categories` }, ...f.categories.map((v) => el('option', { value: String(v) }))) : null,
        el('p', { id: helpId, class: 'help' }, help),
        error));
      return { feature: f, control: c, error };
    });
  }

  /** The row the fields hold now, typed as the signature says (an empty field is null: missing). */
  values(): Row {
    const row: Row = {};
    for (const { feature, control: c } of this.fields) {
      const raw = c.value;
      if (feature.type === 'bool') row[feature.name] = raw === '' ? null : raw === 'true';
      else if (NUMERIC.has(feature.type)) row[feature.name] = raw.trim() === '' ? null : Number(raw);
      else row[feature.name] = raw === '' && feature.nullable && !(c instanceof HTMLTextAreaElement) ? null : raw;
    }
    return row;
  }

  clearErrors(): void {
    for (const { control: c, error } of this.fields) {
      c.removeAttribute('aria-invalid');
      error.hidden = true;
      error.textContent = '';
    }
  }

  /**
   * Shows each detail next to the field it names (`amount`, or `rows[0].amount` from the batch codecs) and focuses
   * the first; returns the details that name no field, for the form-wide message.
   */
  showErrors(details: ErrorDetail[]): ErrorDetail[] {
    const unplaced: ErrorDetail[] = [];
    let first: Control | null = null;
    for (const detail of details) {
      const name = detail.field?.replace(/^\w+\[\d+\]\./, '');
      const field = this.fields.find((f) => f.feature.name === name);
      if (!field) {
        unplaced.push(detail);
        continue;
      }
      field.control.setAttribute('aria-invalid', 'true');
      field.error.textContent = detail.message;
      field.error.hidden = false;
      first ??= field.control;
    }
    first?.focus();
    return unplaced;
  }
}
