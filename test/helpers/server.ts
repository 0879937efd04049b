// Starts a real listening server on a repository and talks to it over HTTP.
import { ModelRepository } from '../../src/repository/repository.js';
import { createApp, type AppOptions, type ModelportApp } from '../../src/server/app.js';

export interface TestServer {
  url: string;
  server: ModelportApp;
  close(): Promise<void>;
}

export async function startServer(root: string, options: AppOptions = {}): Promise<TestServer> {
  const repository = await ModelRepository.open(root);
  const server = await createApp(repository, options);
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const address = server.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, server, close: () => server.close() };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any;
}

export async function request(url: string, init: RequestInit & { json?: unknown } = {}): Promise<JsonResponse> {
  const { json, ...rest } = init;
  const res = await fetch(url, json === undefined ? rest : {
    ...rest,
    method: rest.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...(rest.headers ?? {}) },
    body: JSON.stringify(json),
  });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body };
}
