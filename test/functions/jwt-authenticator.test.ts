import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwtAuthenticator } from '../../shared/auth/jwt-authenticator.js';
import { AUDIENCE, startIssuer } from './jwt-issuer.js';
import type { TestIssuer } from './jwt-issuer.js';

describe('JwtAuthenticator: the core verifies again what the API Gateway JWT authorizer checked', () => {
  let idp: TestIssuer;
  let auth: JwtAuthenticator;
  const bearer = (token: string) => `Bearer ${token}`;

  beforeAll(async () => {
    idp = await startIssuer();
    auth = new JwtAuthenticator({ issuer: idp.issuer, audience: [AUDIENCE], keys: { jwks: idp.jwks }, roleClaim: 'cognito:groups' });
  });
  afterAll(() => idp.close());

  it('maps a Cognito group claim to the role and the email to the name', async () => {
    const token = await idp.sign({ sub: 'u-1', email: 'officer@corp.example', 'cognito:groups': ['staff', 'officer'] });
    await expect(auth.authenticate(bearer(token))).resolves.toEqual({ name: 'officer@corp.example', role: 'officer' });
  });

  it('takes the most privileged known role when the token carries several', async () => {
    const token = await idp.sign({ sub: 'u-2', 'cognito:groups': ['auditor', 'admin'] });
    await expect(auth.authenticate(bearer(token))).resolves.toEqual({ name: 'u-2', role: 'admin' });
  });

  it('reads a string role claim and a configured name claim (Entra ID style)', async () => {
    const entra = new JwtAuthenticator({ issuer: idp.issuer, audience: [AUDIENCE], keys: { jwks: idp.jwks }, roleClaim: 'role', nameClaim: 'upn' });
    const token = await idp.sign({ sub: 'x', upn: 'legal@corp.example', role: 'legal-api' });
    await expect(entra.authenticate(bearer(token))).resolves.toEqual({ name: 'legal@corp.example', role: 'legal-api' });
  });

  it('accepts a Cognito access token, which names its client in client_id instead of aud', async () => {
    const token = await idp.sign({ sub: 'u-3', client_id: AUDIENCE, token_use: 'access', 'cognito:groups': ['auditor'] }, { audience: null });
    await expect(auth.authenticate(bearer(token))).resolves.toEqual({ name: 'u-3', role: 'auditor' });
  });

  it('answers AUTH.MISSING without a bearer token', async () => {
    for (const header of [undefined, null, '', 'Basic dXNlcjpwYXNz', 'Bearer ']) {
      await expect(auth.authenticate(header)).rejects.toMatchObject({ code: 'AUTH.MISSING' });
    }
  });

  it('answers AUTH.INVALID for an expired token, another issuer, another audience or a garbled token', async () => {
    const claims = { sub: 'u-4', 'cognito:groups': ['officer'] };
    const expired = await idp.sign(claims, { expiresIn: Math.floor(Date.now() / 1000) - 3600 });
    const otherIssuer = await idp.sign(claims, { issuer: 'https://evil.example' });
    const otherAudience = await idp.sign(claims, { audience: 'someone-else' });
    for (const token of [expired, otherIssuer, otherAudience, 'not.a.jwt', `${await idp.sign(claims)}x`]) {
      await expect(auth.authenticate(bearer(token))).rejects.toMatchObject({ code: 'AUTH.INVALID' });
    }
  });

  it('answers AUTH.INVALID for a token signed by another key, or with a shared secret', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ sub: 'u-5', 'cognito:groups': ['admin'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key-1' })
      .setIssuer(idp.issuer)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(privateKey);
    const hmac = await new SignJWT({ sub: 'u-5', 'cognito:groups': ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(idp.issuer)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!'));
    for (const token of [forged, hmac]) await expect(auth.authenticate(bearer(token))).rejects.toMatchObject({ code: 'AUTH.INVALID' });
  });

  it('answers AUTH.FORBIDDEN for a valid token without a Coffer role', async () => {
    const token = await idp.sign({ sub: 'u-6', 'cognito:groups': ['staff'] });
    await expect(auth.authenticate(bearer(token))).rejects.toMatchObject({ code: 'AUTH.FORBIDDEN' });
    const none = await idp.sign({ sub: 'u-7' });
    await expect(auth.authenticate(bearer(none))).rejects.toMatchObject({ code: 'AUTH.FORBIDDEN' });
  });

  it('finds the signing keys through OpenID Connect discovery when no key source is configured', async () => {
    const discovered = new JwtAuthenticator({ issuer: idp.issuer, audience: [AUDIENCE], roleClaim: 'cognito:groups' });
    const token = await idp.sign({ sub: 'u-8', 'cognito:groups': ['officer'] });
    await expect(discovered.authenticate(bearer(token))).resolves.toEqual({ name: 'u-8', role: 'officer' });
  });

  it('reports unreachable signing keys as an internal error, not as a bad token', async () => {
    const unreachable = new JwtAuthenticator({ issuer: idp.issuer, audience: [AUDIENCE], keys: { jwksUrl: `${idp.issuer}/missing.json` }, roleClaim: 'cognito:groups' });
    const token = await idp.sign({ sub: 'u-9', 'cognito:groups': ['officer'] });
    await expect(unreachable.authenticate(bearer(token))).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
