// The join page in a real browser: Debian's Chromium driven by playwright-core, running Zoom's
// real Web SDK (served from the @zoom/meetingsdk npm package) against the running service.
//
// Run by tests/browser.rs, which starts the service and sets:
//   SIGNER_URL          base URL of the service, e.g. http://127.0.0.1:40123/
//   SIGNER_TEST_KEY     the SDK key it signs with
//   SIGNER_TEST_SECRET  the SDK secret it signs with (to verify the JWT Zoom would receive)
//   SIGNER_SDK_VERSION  the Web SDK version the page is configured with (default 6.2.0)
//   CHROMIUM_PATH       optional, default /usr/bin/chromium
//   SCREENSHOT_DIR      optional: save screenshots of the form and the error state there
//
// The page keeps its production URLs: every request leaving the machine is intercepted here.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const SIGNER_URL = process.env.SIGNER_URL;
const KEY = process.env.SIGNER_TEST_KEY;
const SECRET = process.env.SIGNER_TEST_SECRET;
const SDK_VERSION = process.env.SIGNER_SDK_VERSION || '6.2.0';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SDK_DIST = path.join(HERE, 'node_modules/@zoom/meetingsdk/dist');
const TEST_TIMEOUT_MS = 60_000;
const STEP_TIMEOUT_MS = 20_000;

// What Zoom's server answers for a signature it does not accept. The machine cannot reach Zoom,
// so this reply to `POST https://zoom.us/api/v1/wc/info` is the one thing stubbed; the SDK itself
// is Zoom's real code.
const WC_INFO_3712 = { status: false, errorCode: 3712, errorMessage: 'Signature is invalid.' };

const CONTENT_TYPES = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.jpg': 'image/jpeg',
  '.cur': 'image/x-icon',
  '.ico': 'image/x-icon',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.html': 'text/html; charset=utf-8',
};

let browser;

before(async () => {
  assert.ok(
    SIGNER_URL,
    'SIGNER_URL is not set: these tests need a running zoom-signer. Run them with `cargo test --test browser`, ' +
      'or start the service and set SIGNER_URL, SIGNER_TEST_KEY and SIGNER_TEST_SECRET.',
  );
  assert.ok(KEY && SECRET, 'SIGNER_TEST_KEY and SIGNER_TEST_SECRET must be the credentials the service signs with');
  const args = [
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
  ];
  if (process.getuid?.() === 0) args.push('--no-sandbox'); // Chromium refuses to sandbox as root.
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args, timeout: 30_000 });
});

after(async () => {
  await browser?.close();
});

const isLoopback = (hostname) =>
  hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);

/** Maps an SDK URL on Zoom's CDN to the file the npm package ships, or null. */
function sdkFile(url) {
  const p = decodeURIComponent(url.pathname);
  let relative = null;
  if (p === `/zoom-meeting-${SDK_VERSION}.min.js`) relative = `zoom-meeting-${SDK_VERSION}.min.js`;
  else if (p.startsWith(`/${SDK_VERSION}/lib/`)) relative = p.slice(`/${SDK_VERSION}/`.length);
  else if (p.startsWith(`/${SDK_VERSION}/ui/`)) relative = p.slice(`/${SDK_VERSION}/`.length); // The SDK derives ui/ from lib/'s parent.
  if (relative === null) return null;
  const file = path.normalize(path.join(SDK_DIST, relative));
  return file.startsWith(SDK_DIST + path.sep) ? file : null;
}

/**
 * A fresh context and page with the network rules: Zoom's CDN from node_modules, wc/info stubbed,
 * everything else off this machine aborted and recorded.
 */
async function openPage(t) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  t.after(() => context.close());
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);

  const seen = {
    zoom: [], // every request to zoom.us or *.zoom.us, served or not
    aborted: [], // requests that would have left the machine
    missing: [], // SDK files the package does not have
    wcInfo: [], // form bodies posted to wc/info
    pageErrors: [],
    consoleErrors: [],
  };
  let wcInfoArrived;
  seen.wcInfoPosted = new Promise((resolve) => {
    wcInfoArrived = resolve;
  });

  await context.route('**/*', async (route) => {
    const request = route.request();
    const url = new URL(request.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:' || isLoopback(url.hostname)) return route.continue();
    const zoom = url.hostname === 'zoom.us' || url.hostname.endsWith('.zoom.us');
    if (zoom) seen.zoom.push(`${request.method()} ${url.href}`);

    if (url.hostname === 'source.zoom.us' && request.method() === 'GET') {
      const file = sdkFile(url);
      let body = null;
      if (file) body = await readFile(file).catch(() => null);
      if (!body) {
        seen.missing.push(url.href);
        return route.fulfill({ status: 404, headers: { 'access-control-allow-origin': '*' }, body: 'not in the npm package' });
      }
      return route.fulfill({
        status: 200,
        headers: {
          'content-type': CONTENT_TYPES[path.extname(file)] || 'application/octet-stream',
          'access-control-allow-origin': '*',
        },
        body,
      });
    }

    if (url.href === 'https://zoom.us/api/v1/wc/info' && request.method() === 'POST') {
      const form = request.postData() || '';
      seen.wcInfo.push(form);
      wcInfoArrived(form);
      const origin = new URL(SIGNER_URL).origin;
      return route.fulfill({
        status: 200,
        headers: {
          'content-type': 'application/json;charset=UTF-8',
          'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true',
        },
        body: JSON.stringify(WC_INFO_3712),
      });
    }

    seen.aborted.push(`${request.method()} ${url.href}`);
    return route.abort('blockedbyclient');
  });
  // WebSockets are not seen by route(): refuse any that would leave the machine.
  await context.routeWebSocket(
    (url) => !isLoopback(new URL(url).hostname),
    (ws) => {
      seen.aborted.push(`WS ${ws.url()}`);
      ws.close();
    },
  );

  const page = await context.newPage();
  page.on('pageerror', (error) => seen.pageErrors.push(error));
  page.on('console', (message) => {
    if (message.type() === 'error') seen.consoleErrors.push({ text: message.text(), url: message.location().url });
  });
  return { page, seen };
}

/** Errors raised by the page's own script (the SDK's are its business). */
function ownErrors(seen) {
  const ours = (where) => String(where || '').includes('assets/join.js');
  return [
    ...seen.pageErrors.filter((e) => ours(e.stack)).map((e) => `pageerror: ${e.stack}`),
    ...seen.consoleErrors.filter((c) => ours(c.url)).map((c) => `console.error: ${c.text}`),
  ];
}

async function screenshot(page, name) {
  if (SCREENSHOT_DIR) await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

const signatureUrl = () => new URL('signature', SIGNER_URL).href;
const waitForSignatureReply = (page) =>
  page.waitForResponse((r) => r.url() === signatureUrl() && r.request().method() === 'POST', {
    timeout: STEP_TIMEOUT_MS,
  });

/** Waits for a promise, failing with message() after ms; leaves no timer behind to hold the process. */
async function within(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function base64urlJson(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/** Verifies an HS256 JWT against the secret and returns its payload. */
function verifyJwt(jwt, secret) {
  const parts = jwt.split('.');
  assert.equal(parts.length, 3, `not a compact JWS: ${jwt}`);
  const [header, payload, signature] = parts;
  assert.deepEqual(base64urlJson(header), { alg: 'HS256', typ: 'JWT' });
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const actual = Buffer.from(signature, 'base64url');
  assert.ok(
    actual.length === expected.length && timingSafeEqual(actual, expected),
    'the JWT signature does not verify with SIGNER_TEST_SECRET',
  );
  return base64urlJson(payload);
}

/** The texts of the elements that describe a field (aria-describedby), visible ones only. */
async function visibleDescriptions(field) {
  return field.evaluate((element) =>
    (element.getAttribute('aria-describedby') || '')
      .split(/\s+/)
      .map((id) => document.getElementById(id))
      .filter((node) => node && node.checkVisibility())
      .map((node) => node.textContent.trim()),
  );
}

test('happy path: the signature reaches Zoom intact and Zoom\'s refusal is shown on top', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
  await page.goto(SIGNER_URL);
  await page.getByLabel('Meeting number').fill('123 456 789');
  await page.getByLabel('Passcode').fill('s3cret');
  await page.getByLabel('Your name').fill('Grace Hopper');
  await screenshot(page, 'form');

  const signatureRequests = [];
  page.on('request', (r) => {
    if (r.url() === signatureUrl()) signatureRequests.push(r.method());
  });
  const reply = waitForSignatureReply(page);
  // Twice, as an impatient person would: one attempt, one SDK load.
  await page.getByRole('button', { name: 'Join', exact: true }).dblclick();

  const response = await reply;
  assert.equal(response.status(), 200, `POST signature: ${await response.text()}`);
  const signed = await response.json();
  assert.equal(typeof signed.signature, 'string');
  assert.equal(signed.meetingNumber, '123456789');

  const wcInfo = await within(seen.wcInfoPosted, 40_000, () =>
    `the SDK never posted wc/info; zoom requests: ${JSON.stringify(seen.zoom)}, missing: ${JSON.stringify(seen.missing)}, ` +
    `page errors: ${seen.pageErrors.map((e) => e.message).join('; ')}`);
  const form = new URLSearchParams(wcInfo);
  assert.equal(form.get('meetingNumber'), '123456789');
  assert.equal(form.get('userName'), 'Grace Hopper');
  assert.equal(form.get('passWord'), 's3cret');
  assert.equal(form.get('apiKey'), KEY);
  assert.equal(form.get('signatureType'), 'sdk');
  assert.equal(form.get('cv'), SDK_VERSION);
  assert.equal(form.get('signature'), signed.signature, 'the SDK sent the signature the service issued');
  const claims = verifyJwt(form.get('signature'), SECRET);
  assert.equal(claims.mn, '123456789');
  assert.equal(claims.appKey, KEY);
  assert.equal(claims.role, 0);
  assert.equal(typeof claims.iat, 'number');
  const lifetime = claims.exp - claims.iat;
  assert.ok(lifetime >= 1800 && lifetime <= 172800, `exp - iat = ${lifetime} s is outside Zoom's 1800..172800`);

  // The person sees Zoom's answer, above Zoom's own full-screen client.
  const box = page.locator('#join-error');
  await box.waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await box.innerText(), /Signature is invalid/);
  assert.equal(await box.getAttribute('role'), 'alert');
  const onTop = await box.evaluate((element) => {
    const r = element.getBoundingClientRect();
    return element.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2));
  });
  assert.ok(onTop, '#join-error is covered by something else');
  await screenshot(page, 'error');

  assert.deepEqual(signatureRequests, ['POST'], 'one signature request for a double click');
  const bundleLoads = seen.zoom.filter((r) => r.endsWith(`/zoom-meeting-${SDK_VERSION}.min.js`));
  assert.equal(bundleLoads.length, 1, 'the SDK bundle is loaded once');
  assert.equal(seen.wcInfo.length, 1, 'one join attempt');
  assert.deepEqual(seen.missing, [], 'SDK files the npm package lacks');
  assert.deepEqual(ownErrors(seen), [], 'errors from the page\'s own script');
  // Not failures (the SDK's own noise), but worth seeing when something changes.
  if (seen.aborted.length) t.diagnostic(`aborted (would have left the machine): ${seen.aborted.join(', ')}`);
  for (const e of seen.pageErrors) t.diagnostic(`SDK pageerror: ${e.message}`);
  for (const c of seen.consoleErrors) t.diagnostic(`SDK console.error: ${c.text.slice(0, 300)}`);
});

test('a bad meeting number shows the service\'s reason at the field and never contacts Zoom', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
  await page.goto(SIGNER_URL);
  const meetingNumber = page.getByLabel('Meeting number');
  await meetingNumber.fill('abc');
  await page.getByLabel('Your name').fill('Grace Hopper');

  const reply = waitForSignatureReply(page);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  const response = await reply;
  assert.ok(response.status() >= 400 && response.status() < 500, `status ${response.status()}`);
  const { errors } = await response.json();
  const reason = errors.find((e) => e.property === 'meetingNumber')?.reason;
  assert.ok(reason, `no meetingNumber problem in ${JSON.stringify(errors)}`);

  await page.locator('#meetingNumber-error').waitFor({ state: 'visible' });
  assert.ok((await visibleDescriptions(meetingNumber)).includes(reason), 'the reason describes the field');
  assert.equal(await meetingNumber.getAttribute('aria-invalid'), 'true');
  await screenshot(page, 'field-error');

  // Give a wrongly started SDK load a moment to show up before asserting it did not.
  await page.waitForTimeout(500);
  assert.deepEqual(seen.zoom, [], 'requests to Zoom after a refused signature');
  assert.deepEqual(ownErrors(seen), []);
});

test('the fragment prefills the form, and wins over the query string', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page } = await openPage(t);
  await page.goto(`${SIGNER_URL}#mn=987654321&pwd=secretpw&name=Ada`);
  assert.equal(await page.getByLabel('Meeting number').inputValue(), '987654321');
  assert.equal(await page.getByLabel('Passcode').inputValue(), 'secretpw');
  assert.equal(await page.getByLabel('Your name').inputValue(), 'Ada');
  assert.equal(await page.getByLabel('Join as').inputValue(), '0');

  const withQuery = new URL(SIGNER_URL);
  withQuery.search = '?mn=111111111&email=ada%40example.com&role=1';
  withQuery.hash = '#mn=987654321&name=Ada%20Lovelace';
  await page.goto(withQuery.href);
  assert.equal(await page.getByLabel('Meeting number').inputValue(), '987654321');
  assert.equal(await page.getByLabel('Your name').inputValue(), 'Ada Lovelace');
  assert.equal(await page.getByLabel('Email').inputValue(), 'ada@example.com');
  assert.equal(await page.getByLabel('Join as').inputValue(), '1');
});

test('no demo banner when the service runs with real credentials', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
  await page.goto(SIGNER_URL);
  const body = page.locator('body');
  assert.equal(await body.getAttribute('data-demo'), 'false');
  assert.equal(await body.getAttribute('data-sdk-version'), SDK_VERSION);
  assert.equal(await page.getByText('Demo mode').isVisible(), false);
  // The page loads nothing from Zoom until Join.
  assert.deepEqual(seen.zoom, []);
  assert.deepEqual(ownErrors(seen), []);
});
