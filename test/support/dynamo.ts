import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoCatalog } from '../../adapters/aws/dynamo-catalog.js';
import { requireMoto } from '../services/require-service.js';

export interface DynamoTable {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Deletes the table and closes the client. */
  cleanup(): Promise<void>;
}

/**
 * moto's server handles requests on threads. test/services/moto_server.py runs its transactions one
 * at a time and rolls a failed one back item by item, but plain writes still run beside a
 * transaction and can be undone by its rollback. DynamoDB itself isolates them, so the tests talk to
 * moto through this proxy that forwards one request at a time (measured before the patch: 10
 * parallel intakes kept 6 deliveries). The adapters still run their calls concurrently: versions
 * conflict and retries happen for real.
 */
let proxy: Promise<{ url: string; server: http.Server }> | undefined;

function serialisingProxy(target: string): Promise<{ url: string; server: http.Server }> {
  const upstream = new URL(target);
  let queue: Promise<void> = Promise.resolve();
  const forward = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) =>
    new Promise<void>((resolve) => {
      const out = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(chunks));
            resolve();
          });
        },
      );
      out.on('error', (err) => {
        res.writeHead(502).end(String(err));
        resolve();
      });
      out.end(body);
    });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      queue = queue.then(() => forward(req, Buffer.concat(chunks), res));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server });
    }),
  );
}

/** Stops the proxy; call in the test file's afterAll. */
export async function closeDynamoProxy(): Promise<void> {
  const running = await proxy;
  proxy = undefined;
  if (!running) return;
  running.server.closeAllConnections();
  await new Promise((resolve) => running.server.close(resolve));
}

/** A fresh single table (the catalog's definition) on the moto server, behind the serialising proxy. */
export async function freshDynamoTable(prefix: string): Promise<DynamoTable> {
  proxy ??= serialisingProxy(requireMoto());
  const base = new DynamoDBClient({
    endpoint: (await proxy).url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const client = DynamoDBDocumentClient.from(base);
  const tableName = `${prefix}-${randomUUID()}`;
  await DynamoCatalog.ensureTable(client, tableName);
  return {
    client,
    tableName,
    cleanup: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      base.destroy();
    },
  };
}
