// The result charts: class probabilities as bars, and per-feature contributions as signed bars around zero.
// Bar lengths are set through the CSSOM (element.style), which the page's CSP allows; no inline style attributes.
import type { Explanation, Row } from './api.js';
import { el, formatNumber } from './dom.js';

/** The exact number in a <data> element (read by tests and assistive tools), shown rounded. */
function exact(value: number, shown: string): HTMLDataElement {
  return el('data', { value: String(value) }, shown);
}

function percent(p: number): string {
  return `${(p * 100).toFixed(p > 0 && p < 0.001 ? 3 : 1)}%`;
}

/** One bar per class, the predicted one marked. */
export function probabilityChart(probabilities: Record<string, number>, label: string | number | undefined): HTMLElement {
  const rows = Object.entries(probabilities).map(([name, p]) => {
    const fill = el('span', { class: 'bar-fill' });
    fill.style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
    const chosen = String(label) === name;
    return el('li', { class: chosen ? 'bar-row chosen' : 'bar-row', 'data-class': name },
      el('span', { class: 'bar-name' }, name),
      el('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill),
      el('span', { class: 'bar-value' }, exact(p, percent(p))));
  });
  return el('ol', { class: 'bars', 'aria-label': 'Probability of each class' }, ...rows);
}

const SPACE_TEXT: Record<string, string> = {
  probability: 'probability',
  'log-odds': 'log-odds (logit of the probability)',
  margin: 'raw margin',
  value: 'predicted value',
};

/**
 * Contributions as bars left (lowering) or right (raising) of a centre line, largest first as the server sorts
 * them, with the base value and the sum they add up to.
 */
export function contributionChart(e: Explanation, space: string, row: Row): HTMLElement {
  const largest = Math.max(...e.contributions.map((c) => Math.abs(c.value)), Number.MIN_VALUE);
  const items = e.contributions.map((c) => {
    const bar = el('span', { class: c.value < 0 ? 'contrib-bar negative' : c.value > 0 ? 'contrib-bar positive' : 'contrib-bar' });
    bar.style.width = `${(Math.abs(c.value) / largest) * 50}%`;
    const value = row[c.feature];
    return el('li', { class: 'contrib-row', 'data-feature': c.feature },
      el('span', { class: 'contrib-name' }, c.feature, value !== undefined ? el('span', { class: 'contrib-input' }, ` = ${value === null ? 'missing' : String(value)}`) : null),
      el('span', { class: 'contrib-track', 'aria-hidden': 'true' }, bar),
      el('span', { class: 'contrib-value' }, exact(c.value, `${c.value > 0 ? '+' : ''}${formatNumber(c.value)}`)));
  });
  const total = e.contributions.reduce((sum, c) => sum + c.value, 0);
  return el('figure', { class: 'contributions' },
    el('ol', { class: 'contrib-list', 'aria-label': 'Contribution of each feature' }, ...items),
    el('figcaption', {},
      el('span', {}, 'Base value ', exact(e.base_value, formatNumber(e.base_value, 6))),
      el('span', {}, ' + contributions ', exact(total, formatNumber(total, 6))),
      el('span', {}, ' = ', el('strong', {}, exact(e.margin, formatNumber(e.margin, 6)))),
      el('span', { class: 'muted' }, ` (${SPACE_TEXT[space] ?? space})`)));
}
