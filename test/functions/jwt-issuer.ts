// A local OpenID Connect issuer for tests: a key pair, a JWKS, tokens signed with jose, and an
// HTTP server on 127.0.0.1 serving the JWKS and the discovery document.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { JSONWebKeySet, JWTPayload } from 'jose';

export interface TestIssuer {
  issuer: string;
  jwks: JSONWebKeySet;
  jwksUrl: string;
  sign(claims: JWTPayload, options?: { expiresIn?: string | number; issuer?: string; audience?: string | null }): Promise<string>;
  close(): Promise<void>;
}

export const AUDIENCE = 'coffer-ui-client';

export async function startIssuer(): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const jwks: JSONWebKeySet = { keys: [jwk] };
  let base = '';
  const server = createServer((req, res) => {
    const body =
      req.url === '/.well-known/jwks.json' ? jwks : req.url === '/.well-known/openid-configuration' ? { issuer: base, jwks_uri: `${base}/.well-known/jwks.json` } : null;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer: base,
    jwks,
    jwksUrl: `${base}/.well-known/jwks.json`,
    async sign(claims, options = {}) {
      let jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key-1' })
        .setIssuer(options.issuer ?? base)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '10m');
      if (options.audience !== null) jwt = jwt.setAudience(options.audience ?? AUDIENCE);
      return jwt.sign(privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
