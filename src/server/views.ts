// JSON views of models for the listing and metadata routes.
import { defaultVersion, type Model, type ModelVersion } from '../repository/repository.js';
import type { Signature } from '../signature/signature.js';

export function signatureView(signature: Signature) {
  return {
    task: signature.task,
    features: signature.features?.map((f) => ({
      name: f.name,
      type: f.type,
      ...(f.allowMissing ? { nullable: true } : {}),
      ...(f.description ? { description: f.description } : {}),
      ...(f.min !== undefined ? { min: f.min } : {}),
      ...(f.max !== undefined ? { max: f.max } : {}),
      ...(f.categories ? { categories: f.categories } : {}),
      ...(f.categoriesOnly ? { categories_only: true } : {}),
    })) ?? null,
    ...(signature.ignoredFeatures ? { ignored_features: signature.ignoredFeatures } : {}),
    labels: signature.labels,
    inputs: signature.inputs,
    outputs: signature.outputs,
    ...(signature.info ? { info: signature.info } : {}),
  };
}

export function versionView(v: ModelVersion) {
  return {
    version: v.version,
    state: v.state,
    artifacts: v.artifacts,
    ...(v.estimator ? { estimator: v.estimator } : {}),
    ...(v.error ? { error: v.error } : {}),
    ...(v.reloadError ? { reload_error: v.reloadError } : {}),
    ...(v.loadMs !== undefined ? { load_ms: Math.round(v.loadMs * 10) / 10 } : {}),
  };
}

export function modelSummary(model: Model) {
  const latest = defaultVersion(model);
  return {
    name: model.name,
    ...(model.manifest.description ? { description: model.manifest.description } : {}),
    state: latest?.state ?? 'failed',
    default_version: latest?.version ?? null,
    versions: model.versions.map((v) => v.version),
    ...(model.error ? { error: model.error } : {}),
  };
}

export function modelDetail(model: Model, version: ModelVersion) {
  return {
    ...modelSummary(model),
    version: version.version,
    ...(version.signature ? { signature: signatureView(version.signature) } : {}),
    ...(model.manifest.example ? { example: model.manifest.example } : {}),
    versions: model.versions.map(versionView),
  };
}
