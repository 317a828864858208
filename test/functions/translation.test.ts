import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sesDeliveryFromObject } from '../../functions/ingest/ses-object.js';
import { toRequest, toResult } from '../../functions/api/http-event.js';
import { scheduleTrigger } from '../../functions/schedule/scheduled-event.js';

const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../fixtures/aws/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const object = { bucket: 'inbox', key: 'inbound/abc123', sesMessageId: 'abc123', storedAt: new Date('2024-08-05T21:30:02Z'), journalAddress: 'journal@archive.example.com' };

describe('SES trace headers on an inbox object', () => {
  it('reads only the topmost instance of each header: look-alikes further down are the sender’s', () => {
    const bytes = Buffer.from(
      [
        'Return-Path: <Sender@Corp.Example>',
        'Received: from a.example by inbound-smtp.eu-west-1.amazonaws.com with SMTP id abc123 for <Journal@Archive.Example.com>; Mon, 05 Aug 2024 21:30:02 +0000',
        'X-SES-Spam-Verdict: FAIL',
        'X-SES-Virus-Verdict: PASS',
        'Authentication-Results: amazonses.com; spf=softfail (x) smtp.mailfrom=corp.example; dkim=temperror header.i=@corp.example; dmarc=none header.from=corp.example;',
        'X-SES-Spam-Verdict: PASS',
        'Authentication-Results: amazonses.com; spf=pass; dkim=pass; dmarc=pass',
        'Subject: hello',
        '',
        'X-SES-Virus-Verdict: FAIL',
      ].join('\r\n'),
    );
    expect(sesDeliveryFromObject(bytes, object)).toEqual({
      sesMessageId: 'abc123',
      timestamp: '2024-08-05T21:30:02.000Z',
      envelope: { mailFrom: 'Sender@Corp.Example', rcptTo: ['journal@archive.example.com'] },
      verdicts: { spam: 'FAIL', virus: 'PASS', spf: 'SOFTFAIL', dkim: 'TEMPERROR', dmarc: 'NONE' },
      object: { bucket: 'inbox', key: 'inbound/abc123' },
    });
  });

  it('falls back to the journal address and ABSENT verdicts when SES headers are missing', () => {
    const delivery = sesDeliveryFromObject(Buffer.from('Return-Path: <>\r\nAuthentication-Results: mx.other.example; spf=pass\r\nSubject: x\r\n\r\nbody'), object);
    expect(delivery.envelope).toEqual({ mailFrom: null, rcptTo: ['journal@archive.example.com'] });
    expect(delivery.verdicts).toEqual({ spam: 'ABSENT', virus: 'ABSENT', spf: 'ABSENT', dkim: 'ABSENT', dmarc: 'ABSENT' });
  });
});

describe('API Gateway HTTP API 2.0 events and web Requests', () => {
  it('turns the documented example event into the Request it describes', async () => {
    const request = toRequest(fixture('apigw-v2-http-api-event.json'));
    expect(request.method).toBe('POST');
    expect(request.url).toBe('https://id.execute-api.us-east-1.amazonaws.com/my/path?parameter1=value1&parameter1=value2&parameter2=value');
    expect(request.headers.get('header2')).toBe('value1,value2');
    expect(request.headers.get('cookie')).toBe('cookie1; cookie2');
    expect(await request.text()).toBe('Hello from Lambda');
  });

  it('decodes a base64 body byte for byte', async () => {
    const bytes = Buffer.from([0, 255, 13, 10, 128]);
    const event = { ...fixture('apigw-v2-http-api-event.json'), body: bytes.toString('base64'), isBase64Encoded: true };
    expect(Buffer.from(await toRequest(event).arrayBuffer())).toEqual(bytes);
  });

  it('refuses an event that is not payload 2.0', () => {
    expect(() => toRequest({ version: '1.0', path: '/x' })).toThrow(expect.objectContaining({ code: 'REQUEST.INVALID' }));
  });

  it('returns JSON as text and anything else as base64, cookies apart', async () => {
    const json = await toResult(Response.json({ ok: true }, { status: 201 }));
    expect(json).toMatchObject({ statusCode: 201, body: '{"ok":true}', isBase64Encoded: false });
    const headers = new Headers({ 'content-type': 'message/rfc822' });
    headers.append('set-cookie', 'a=1');
    const raw = await toResult(new Response(new Uint8Array([1, 2, 3]), { headers }));
    expect(raw).toMatchObject({ statusCode: 200, body: 'AQID', isBase64Encoded: true, cookies: ['a=1'] });
    expect(raw.headers['set-cookie']).toBeUndefined();
  });
});

describe('EventBridge scheduled events', () => {
  it('names the rule and time of the documented event, and a direct invoke as manual', () => {
    expect(scheduleTrigger(fixture('eventbridge-scheduled-event.json'))).toEqual({
      kind: 'schedule',
      id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
      time: '2015-10-08T16:53:06Z',
      rule: 'arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule',
    });
    expect(scheduleTrigger({})).toEqual({ kind: 'manual', id: null, time: null, rule: null });
  });
});
