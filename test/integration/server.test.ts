import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { openEmbedded } from '../../local/compose.js';
import type { Embedded } from '../../local/compose.js';
import { startServer } from '../../local/serve.js';
import type { RunningServer } from '../../local/serve.js';
import { parseCoreConfig } from '../../shared/config.js';
import { silentLogger } from '../support/archive.js';
import { coffer, cofferJson } from '../support/cli.js';
import { sha256 } from '../support/bytes.js';
import { composeMail } from '../support/mail.js';

describe('coffer serve: SMTP intake, HTTP API and CLI on one data dir', () => {
  let dataDir: string;
  let archive: Embedded;
  let server: RunningServer;
  let base: string;
  let token: string;

  beforeAll(async () => {
    dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-serve-'));
    archive = openEmbedded({ dataDir, core: parseCoreConfig({ maxMessageBytes: 200_000 }), logger: silentLogger });
    server = await startServer(archive, { host: '127.0.0.1', httpPort: 0, smtpPort: 0 });
    base = `http://127.0.0.1:${server.httpPort}`;
    expect(server.adminToken).toMatch(/^coffer_/);
    token = server.adminToken ?? '';
  });
  afterAll(async () => {
    await server.close();
    archive.close();
    await fsp.rm(dataDir, { recursive: true, force: true });
  });

  const api = (route: string, init: RequestInit = {}, bearer: string | null = token) =>
    fetch(`${base}${route}`, {
      ...init,
      headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), 'content-type': 'application/json', ...init.headers },
    });
  const search = (query: string) => api('/v1/search', { method: 'POST', body: JSON.stringify({ query }) });
  const smtp = () => nodemailer.createTransport({ host: '127.0.0.1', port: server.smtpPort, secure: false, ignoreTLS: true });

  it('archives a message sent over SMTP and finds it through the API and the CLI', async () => {
    const raw = await composeMail({
      from: 'Dana Scully <dana@fbi.example>',
      to: 'fox@fbi.example',
      subject: 'Field report Tunguska',
      text: 'The sample is not of this earth.',
      messageId: '<report-7@fbi.example>',
    });
    const info = await smtp().sendMail({ envelope: { from: 'dana@fbi.example', to: ['fox@fbi.example', 'skinner@fbi.example'] }, raw });
    const id = sha256(raw);
    // 250 came only after the message was stored: it is findable at once.
    expect(info.response).toContain(id);

    const response = await search('from:dana@fbi.example subject:tunguska');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { total: number; hits: { id: string; subject: string; from: string; messageId: string }[] };
    expect(body.total).toBe(1);
    expect(body.hits[0]).toMatchObject({ id, subject: 'Field report Tunguska', from: 'Dana Scully <dana@fbi.example>', messageId: 'report-7@fbi.example' });

    const cli = await cofferJson<{ hits: { id: string }[] }>(['search', 'participants:skinner@fbi.example', '--data', dataDir]);
    expect(cli.hits.map((h) => h.id)).toEqual([id]);

    const rawCli = await coffer(['get', id, '--raw', '--data', dataDir]);
    expect(rawCli.code).toBe(0);
    expect(rawCli.stdout.equals(raw)).toBe(true);

    const rawApi = await api(`/v1/messages/${id}/raw`);
    expect(rawApi.headers.get('content-type')).toBe('message/rfc822');
    expect(Buffer.from(await rawApi.arrayBuffer()).equals(raw)).toBe(true);

    const record = (await (await api(`/v1/messages/${id}`)).json()) as { envelopeRecipients: string[]; subject: string };
    expect(record).toMatchObject({ subject: 'Field report Tunguska', envelopeRecipients: ['fox@fbi.example', 'skinner@fbi.example'] });
    const deliveries = (await (await api(`/v1/messages/${id}/deliveries`)).json()) as { deliveries: { source: string }[] };
    expect(deliveries.deliveries).toHaveLength(1);
    expect(deliveries.deliveries[0]?.source).toBe('smtp');
  });

  it('answers 552 to a message over the size limit and stores nothing', async () => {
    const before = await archive.catalog.countMessages();
    const raw = await composeMail({ from: 'a@x.example', to: 'b@x.example', subject: 'huge', text: 'x'.repeat(300_000) });
    await expect(smtp().sendMail({ envelope: { from: 'a@x.example', to: ['b@x.example'] }, raw })).rejects.toMatchObject({ responseCode: 552 });
    expect(await archive.catalog.countMessages()).toBe(before);
  });

  it('requires a valid bearer token on every /v1 route', async () => {
    expect((await search('anything').then((r) => r.status))).toBe(200);
    const missing = await api('/v1/search', { method: 'POST', body: JSON.stringify({ query: 'x' }) }, null);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: 'AUTH.MISSING' } });
    expect((await api(`/v1/messages/${'a'.repeat(64)}`, {}, 'coffer_wrong')).status).toBe(401);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('answers a malformed query with 400 and the column of the mistake', async () => {
    const response = await search('from:alice sent:2024-13-01');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; column: number; message: string } };
    expect(body.error.code).toBe('QUERY.SYNTAX');
    expect(body.error.column).toBe(17);
    expect(body.error.message).toContain('column 17');
  });

  it('answers 413 to an oversize request body, and 404 to an unknown message', async () => {
    const big = await api('/v1/search', { method: 'POST', body: JSON.stringify({ query: 'x'.repeat(100_000) }) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'REQUEST.TOO_LARGE' } });
    expect((await api(`/v1/messages/${'0'.repeat(64)}`)).status).toBe(404);
  });

  it('gives an officer search but not the admin-only upload', async () => {
    const officer = await archive.tokens.issue('olivia', 'officer');
    const upload = await api('/v1/messages', { method: 'POST', body: 'Subject: x\r\n\r\ny', headers: { 'content-type': 'message/rfc822' } }, officer.token);
    expect(upload.status).toBe(403);
    expect((await api('/v1/search', { method: 'POST', body: JSON.stringify({ query: 'x' }) }, officer.token)).status).toBe(200);
  });

  it('serves an OpenAPI document describing the routes', async () => {
    const doc = (await (await fetch(`${base}/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/search', '/v1/messages/{id}', '/v1/messages/{id}/raw', '/v1/messages/{id}/deliveries', '/v1/messages']),
    );
  });
});
