// The playground page in a real browser (Debian's chromium driven by playwright-core): each example model is picked,
// predicted and explained, and what the page shows is compared with the API's own answer for the same row; a
// validation error lands next to its field; a CSV file is scored and downloaded; a model that fails to load is
// shown without breaking the page. Screenshots of each example's result go to test-output/playground/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ApiKeys } from '../src/server/api-keys.js';
import { FIXTURES } from './helpers/fixtures.js';
import { linearRegressor, makeRepository } from './helpers/models.js';
import { request, startServer, type TestServer } from './helpers/server.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(FIXTURES, '..', '..');
const EXAMPLES = join(ROOT, 'examples', 'models');
const OUTPUT = join(ROOT, 'test-output', 'playground');
const MODELS = ['diabetes', 'fraud', 'iris', 'sentiment'];
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

type Row = Record<string, string | number | null>;

interface Contribution {
  feature: string;
  value: number;
}

/** The page must not throw, log errors or break a CSP rule while it works (the 400s it asks for are expected). */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/^Failed to load resource: the server responded with a status of 400/.test(msg.text())) errors.push(msg.text());
  });
  return errors;
}

async function pick(page: Page, name: string): Promise<void> {
  await page.click(`button.model[data-model="${name}"]`);
  await page.waitForFunction((n) => document.getElementById('model-title')?.textContent === n && !document.getElementById('predict-form')?.hidden, name);
}

async function predict(page: Page): Promise<void> {
  await page.evaluate(() => {
    document.getElementById('result')!.hidden = true;
  });
  await page.click('#predict-button');
  await page.waitForSelector('#result:not([hidden]) #explanation h3');
}

/** The [name, exact value] pairs of the elements matching `selector`, from their <data> values. */
async function shownValues(page: Page, selector: string, key: string): Promise<[string, number][]> {
  return page.$$eval(selector, (rows, k) => rows.map((r) => [(r as HTMLElement).dataset[k] ?? '', Number(r.querySelector('data')!.value)] as [string, number]), key);
}

describe('the playground page', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: the browser test needs Debian's chromium (apt-get install -y chromium)` }, () => {
  let s: TestServer;
  let browser: Browser;

  before(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    s = await startServer(EXAMPLES);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  it('answers browsers with the page and API clients with the JSON index', async () => {
    const page = await fetch(`${s.url}/`, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /^text\/html/);
    assert.equal(page.headers.get('vary'), 'Accept');
    assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
    assert.doesNotMatch(await page.text(), /<script>|<style>| style=/, 'no inline scripts or styles');
    for (const accept of [undefined, '*/*', 'application/json', 'application/json, text/html']) {
      const r = await request(`${s.url}/`, accept ? { headers: { accept } } : {});
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.models.map((m: { name: string }) => m.name), MODELS, `Accept: ${accept}`);
    }
    const js = await fetch(`${s.url}/playground/main.js`);
    assert.match(js.headers.get('content-type')!, /^text\/javascript/);
    assert.equal(js.headers.get('cache-control'), 'no-cache');
    const etag = js.headers.get('etag')!;
    assert.equal((await fetch(`${s.url}/playground/main.js`, { headers: { 'if-none-match': etag } })).status, 304);
    assert.match((await fetch(`${s.url}/playground/playground.css`)).headers.get('content-type')!, /^text\/css/);
    for (const path of ['/playground/shell.js', '/playground/main.js.map', '/playground/..%2F..%2Fpackage.json', '/playground/%2e%2e%2fversion.js']) {
      assert.equal((await fetch(`${s.url}${path}`)).status, 404, path);
    }
  });

  for (const name of MODELS) {
    it(`predicts and explains ${name} as the API does, at desktop and phone width`, async () => {
      const detail = (await request(`${s.url}/models/${name}`)).body;
      const row = detail.example as Row;
      assert.ok(row, `${name} has an example in its model.yaml`);
      const api = (await request(`${s.url}/models/${name}/predict`, { json: row })).body.prediction;
      const explained = await request(`${s.url}/models/${name}/explain`, { json: row });

      for (const [device, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
        const page = await browser.newPage({ viewport });
        const errors = watchErrors(page);
        await page.goto(`${s.url}/`);
        await page.waitForSelector(`button.model[data-model="${name}"]`);
        await pick(page, name);
        await predict(page);
        assert.equal(await page.textContent('#predicted-label'), String(api.label));
        assert.deepEqual(Object.fromEntries(await shownValues(page, '.bar-row', 'class')), api.probabilities);

        if (explained.status === 200) {
          const all = Array.isArray(explained.body.explanation) ? explained.body.explanation : [explained.body.explanation];
          const forLabel = all.find((e: { class?: unknown }) => String(e.class) === String(api.label)) ?? all[0];
          const shown = await shownValues(page, '.contrib-row', 'feature');
          assert.deepEqual(shown, forLabel.contributions.map((c: Contribution) => [c.feature, c.value]), 'contributions in the server order');
          const base = Number(await page.$eval('.contributions figcaption data', (d) => (d as HTMLDataElement).value));
          assert.equal(base, forLabel.base_value);
        } else {
          assert.equal(explained.body.error.code, 'NOT_EXPLAINABLE');
          assert.equal(await page.textContent('#not-explainable'), explained.body.error.message);
          assert.equal(await page.$('.contributions'), null, 'no chart for a model that cannot be explained');
        }

        // The V2 request shown, sent as it is, gives the same probabilities.
        const v2 = JSON.parse((await page.textContent('#snippet-v2-code'))!);
        const infer = await request(`${s.url}/v2/models/${name}/infer`, { json: v2 });
        assert.equal(infer.status, 200, JSON.stringify(infer.body));
        assert.deepEqual(infer.body.outputs.find((o: { name: string }) => o.name === 'probabilities').data, Object.values(api.probabilities));
        assert.match((await page.textContent('#snippet-curl-code'))!, new RegExp(`/models/${name}/predict`));

        if (device === 'desktop') {
          await page.screenshot({ path: join(OUTPUT, `${name}-${device}.png`), fullPage: true });
        } else {
          await page.locator('#result').scrollIntoViewIfNeeded();
          await page.screenshot({ path: join(OUTPUT, `${name}-${device}.png`) });
        }
        assert.deepEqual(errors, []);
        await page.close();
      }
    });
  }

  it('shows a validation error from the server next to the field it names', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = watchErrors(page);
    await page.goto(`${s.url}/#fraud`);
    await page.waitForSelector('#predict-form:not([hidden])');
    await page.fill('#feature-0', '-5');
    await page.click('#predict-button');
    await page.waitForSelector('#feature-0-error:not([hidden])');
    assert.equal(await page.textContent('label[for="feature-0"]'), 'amount');
    assert.equal(await page.textContent('#feature-0-error'), '-5 is below the minimum 0');
    assert.equal(await page.getAttribute('#feature-0', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'feature-0', 'focus moves to the field at fault');
    assert.equal(await page.isHidden('#result'), true);
    await page.screenshot({ path: join(OUTPUT, 'fraud-validation-desktop.png') });
    // Fixing the value clears the error.
    await page.fill('#feature-0', '5');
    await predict(page);
    assert.equal(await page.isHidden('#feature-0-error'), true);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('scores a CSV file and offers the answer for download, equal to the API answer', async () => {
    // 40 transactions, the first three of them frauds; the file's last column (the truth) is dropped.
    const [header, ...lines] = readFileSync(join(ROOT, 'examples', 'data', 'transactions-sample.csv'), 'utf8').trim().split('\n');
    const rows = [...lines.filter((l) => l.endsWith(',1')).slice(0, 3), ...lines.filter((l) => l.endsWith(',0')).slice(0, 37)];
    const csv = `${[header, ...rows].map((line) => line.split(',').slice(0, -1).join(',')).join('\n')}\n`;
    const api = await (await fetch(`${s.url}/models/fraud/predict`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv })).text();
    const page = await browser.newPage({ viewport: DESKTOP, acceptDownloads: true });
    const errors = watchErrors(page);
    await page.goto(`${s.url}/#fraud`);
    await page.waitForSelector('#batch:not([hidden])');
    await page.setInputFiles('#csv-file', { name: 'transactions.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.click('#csv-button');
    await page.waitForSelector('#download-link');
    assert.equal(await page.textContent('#batch-status'), '40 rows scored.');
    assert.equal(await page.$$eval('#batch-result tbody tr', (rows) => rows.length), 5);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-link')]);
    assert.equal(download.suggestedFilename(), 'fraud-transactions-predictions.csv');
    assert.equal(readFileSync((await download.path())!, 'utf8'), api);
    await page.locator('#batch').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(OUTPUT, 'fraud-csv-desktop.png') });

    // A bad file: the server's message, naming the row and column.
    await page.setInputFiles('#csv-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(`${csv.split('\n')[0]}\n-1,3,1,1,1,1,0,0.5\n`) });
    await page.click('#csv-button');
    await page.waitForFunction(() => document.getElementById('batch-status')?.textContent?.startsWith('The file was not scored'));
    assert.match((await page.textContent('#batch-status'))!, /row 1.*amount.*below the minimum 0/);
    assert.equal(await page.$('#download-link'), null);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('offers a select for closed categories and suggestions for open ones, and sends an empty field as missing', async () => {
    const pipelines = join(FIXTURES, 'sklearn-pipelines', '1.9.0');
    const other = await startServer(await makeRepository({
      'mixed/1/model.pkl': readFileSync(join(pipelines, 'mixed_forest.pkl')),
      'strict/1/model.pkl': readFileSync(join(pipelines, 'onehot_error_forest.pkl')),
    }));
    try {
      const page = await browser.newPage({ viewport: DESKTOP });
      const errors = watchErrors(page);
      const options = (selector: string) => page.$$eval(selector, (list) => list.map((o) => (o as HTMLOptionElement).value));
      // handle_unknown='error': city (which may be missing) and color are selects of the known categories.
      await page.goto(`${other.url}/#strict`);
      await page.waitForSelector('#predict-form:not([hidden])');
      assert.deepEqual(await options('#feature-0 option'), ['', 'berlin', 'lima', 'london', 'oslo', 'paris', 'rome']);
      assert.deepEqual(await options('#feature-1 option'), ['blue', 'green', 'red']);
      await page.selectOption('#feature-0', 'oslo');
      await page.selectOption('#feature-1', 'green');
      await page.fill('#feature-2', '12.5');
      await predict(page);
      const strict = (await request(`${other.url}/models/strict/predict`, { json: { city: 'oslo', color: 'green', fare: 12.5 } })).body.prediction;
      assert.equal(Number(await page.$eval('#predicted-value data', (d) => (d as HTMLDataElement).value)), strict.value);
      // One V2 tensor per column, strings as BYTES, as MLServer's pandas codec sends them.
      const v2 = JSON.parse((await page.textContent('#snippet-v2-code'))!);
      assert.deepEqual(v2.inputs.map((i: { name: string; shape: number[]; datatype: string; data: unknown[] }) => [i.name, i.shape, i.datatype, i.data]),
        [['city', [1, 1], 'BYTES', ['oslo']], ['color', [1, 1], 'BYTES', ['green']], ['fare', [1, 1], 'FP64', [12.5]]]);
      assert.deepEqual((await request(`${other.url}/v2/models/strict/infer`, { json: v2 })).body.outputs[0].data, [strict.value]);

      // Imputed columns: open categories are suggestions, an empty field is sent as null.
      await pick(page, 'mixed');
      assert.equal(await page.getAttribute('#feature-2', 'list'), 'feature-2-categories');
      assert.deepEqual(await options('#feature-2-categories option'), ['berlin', 'lima', 'london', 'oslo', 'paris', 'rome']);
      await page.fill('#feature-0', '');
      await page.fill('#feature-1', '30');
      await page.fill('#feature-2', 'lima');
      await page.fill('#feature-3', '');
      await predict(page);
      const mixed = (await request(`${other.url}/models/mixed/predict`, { json: { age: null, fare: 30, city: 'lima', color: null } })).body.prediction;
      assert.equal(await page.textContent('#predicted-label'), mixed.label);
      assert.deepEqual(Object.fromEntries(await shownValues(page, '.bar-row', 'class')), mixed.probabilities);
      assert.match((await page.textContent('#snippet-curl-code'))!, /"age": null, "fare": 30, "city": "lima", "color": null/);
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await other.close();
    }
  });

  it('shows a model that failed to load, a regression value, and state changes as they happen', async () => {
    const root = await makeRepository({
      'broken/1/model.pkl': 'this is not a pickle',
      'line/1/model.onnx': linearRegressor(),
    });
    const other = await startServer(root, { adminKeys: ApiKeys.fromKeys(['admin-key']) });
    try {
      const page = await browser.newPage({ viewport: DESKTOP });
      const errors = watchErrors(page);
      await page.goto(`${other.url}/#broken`);
      await page.waitForSelector('#model-error:not([hidden])');
      assert.match((await page.textContent('button.model[data-model="broken"]'))!, /failed.*format not recognised/);
      assert.match((await page.textContent('#model-error'))!, /This model failed to load: model\.pkl: format not recognised/);
      assert.equal(await page.isHidden('#predict-form'), true);

      // Keyboard: the model buttons are reachable and Enter picks one.
      await page.focus('button.model[data-model="line"]');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#predict-form:not([hidden])');
      const row = Object.fromEntries(await page.$$eval('#fields input', (inputs) => inputs.map((i) => [(i as HTMLInputElement).name, Number((i as HTMLInputElement).value)])));
      const api = (await request(`${other.url}/models/line/predict`, { json: row })).body.prediction;
      await predict(page);
      assert.equal(Number(await page.$eval('#predicted-value data', (d) => (d as HTMLDataElement).value)), api.value);
      assert.match((await page.textContent('#not-explainable'))!, /cannot be explained exactly/);
      assert.match((await page.textContent('#result-status'))!, /^Predicted value /);

      // Unloading the model shows within a poll, in the list and on the model's panel.
      const unload = await request(`${other.url}/v2/repository/models/line/unload`, { json: {}, headers: { authorization: 'Bearer admin-key' } });
      assert.equal(unload.status, 200);
      await page.waitForSelector('button.model[data-model="line"] .state.pending', { timeout: 10_000 });
      await page.waitForSelector('#model-error:not([hidden])');
      assert.match((await page.textContent('#model-error'))!, /unloaded/);
      assert.equal(await page.isHidden('#predict-form'), true);
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await other.close();
    }
  });
});
