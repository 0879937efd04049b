// The generated OpenAPI document: valid OpenAPI 3.1, with each model's real features, categories and labels, and
// request schemas that accept the requests the server accepts and refuse what it refuses.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import { request, startServer, type TestServer } from './helpers/server.js';
const EXAMPLES = fileURLToPath(new URL('../../examples/models', import.meta.url));

describe('OpenAPI document and Swagger UI', () => {
  let s: TestServer;
  let doc: any;
  before(async () => {
    s = await startServer(EXAMPLES);
    doc = (await request(`${s.url}/openapi.json`)).body;
  });
  after(() => s.close());

  it('is valid OpenAPI 3.1, and every schema in it is valid JSON Schema 2020-12', async () => {
    const result = await new Validator().validate(structuredClone(doc));
    assert.ok(result.valid, String(JSON.stringify(result.errors)).slice(0, 800));
    // The OpenAPI meta-schema lets any object through as a Schema Object; compile each one strictly as well.
    const ajv = new Ajv2020.default({ strict: true, strictTypes: false });
    ajv.addSchema(JSON.parse(JSON.stringify({ $id: 'doc', $defs: doc.components.schemas }).replaceAll('#/components/schemas/', 'doc#/$defs/')));
    for (const name of Object.keys(doc.components.schemas)) {
      const schema = JSON.parse(JSON.stringify(doc.components.schemas[name]).replaceAll('#/components/schemas/', 'doc#/$defs/'));
      assert.doesNotThrow(() => ajv.compile(schema), name);
    }
  });

  it('describes each model with its real feature names, types and labels, for both protocols', () => {
    assert.deepEqual(Object.keys(doc.paths).filter((p) => p.startsWith('/models/') && p.endsWith('/predict')).sort(),
      ['/models/diabetes/predict', '/models/fraud/predict', '/models/iris/predict', '/models/sentiment/predict']);
    assert.ok(doc.paths['/v2/models/iris/infer'].post);
    const iris = doc.components.schemas['iris.row'];
    assert.deepEqual(iris.required, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    assert.equal(iris.properties.sepal_length.type, 'number');
    assert.deepEqual(doc.components.schemas['iris.prediction'].properties.label.enum, ['setosa', 'versicolor', 'virginica']);
    assert.deepEqual(doc.paths['/models/iris/predict'].get.parameters.map((p: { name: string }) => p.name), iris.required);
    assert.deepEqual(doc.components.schemas['sentiment.prediction'].properties.label.enum, ['Negative', 'Positive']);
    // XGBoost takes null for a missing value.
    assert.deepEqual(doc.components.schemas['diabetes.row'].properties.glucose.type, ['number', 'null']);
  });

  it('has request schemas that agree with the server', async () => {
    const ajv = new Ajv2020.default({ strict: false });
    ajv.addSchema({ ...doc, $id: 'doc' });
    const body = ajv.getSchema('doc#/paths/~1models~1iris~1predict/post/requestBody/content/application~1json/schema');
    assert.ok(body);
    const good = [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }, { instances: [[5.1, 3.5, 1.4, 0.2]] }, { data: '5.1,3.5,1.4,0.2' }];
    const bad = [{ sepal_length: 5.1 }, { sepal_length: '5.1', sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }, [[1, 2, 3]]];
    for (const json of good) {
      assert.ok(body(json), `schema refuses ${JSON.stringify(json)}`);
      assert.equal((await request(`${s.url}/models/iris/predict`, { json })).status, 200);
    }
    for (const json of bad) {
      assert.equal(body(json), false, `schema accepts ${JSON.stringify(json)}`);
      assert.equal((await request(`${s.url}/models/iris/predict`, { json })).status, 400);
    }
  });

  it('documents the explain endpoint of the models that can explain themselves, with the answer they give', async () => {
    assert.ok(doc.paths['/models/fraud/explain']?.post);
    assert.ok(doc.paths['/models/iris/explain']?.post);
    assert.equal(doc.paths['/models/sentiment/explain'], undefined, 'text models are not explained');
    const ajv = new Ajv2020.default({ strict: false });
    ajv.addSchema({ ...doc, $id: 'doc' });
    const answer = ajv.getSchema('doc#/paths/~1models~1fraud~1explain/post/responses/200/content/application~1json/schema');
    assert.ok(answer);
    const row = { amount: 950, hour: 3, distance_from_home_km: 420, minutes_since_last: 2, transactions_last_24h: 9, card_present: 0, foreign: 1, merchant_risk: 0.7 };
    const one = await request(`${s.url}/models/fraud/explain`, { json: row });
    const many = await request(`${s.url}/models/fraud/explain`, { json: [row, row] });
    assert.equal(one.status, 200);
    assert.ok(answer(one.body), JSON.stringify(answer.errors));
    assert.ok(answer(many.body), JSON.stringify(answer.errors));
    assert.equal(answer({ model: 'fraud', version: 1, space: 'probability', explanation: { base_value: 0, contributions: [{ feature: 'nope', value: 1 }], margin: 1 } }), false);
  });

  it('serves Swagger UI from the package itself, on the same document', async () => {
    const page = await fetch(`${s.url}/docs/static/index.html`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.ok(!/https?:\/\/(?!127\.0\.0\.1)[^"']*\.(js|css)/.test(html), 'no asset from another host');
    assert.equal((await fetch(`${s.url}/docs/static/swagger-ui-bundle.js`)).status, 200);
    assert.deepEqual((await request(`${s.url}/docs/json`)).body, doc);
  });
});
