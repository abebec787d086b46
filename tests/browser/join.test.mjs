// The join page in a real browser: Debian's Chromium driven by playwright-core, running Zoom's
// real Web SDK (served from the @zoom/meetingsdk npm package) against the running service.
//
// Run by tests/it/browser.rs, which starts the service and sets:
//   SIGNER_URL          base URL of the service, e.g. http://127.0.0.1:40123/
//   SIGNER_STRICT_URL   a second service with SIGNER_API_TOKENS set and no host tokens
//   SIGNER_TEST_API_TOKEN  that service's API token
//   SIGNER_TEST_KEY     the SDK key it signs with
//   SIGNER_TEST_SECRET  the SDK secret it signs with (to verify the JWT Zoom would receive)
//   SIGNER_TEST_HOST_KEY  the one host token it accepts (SIGNER_HOST_TOKENS)
//   SIGNER_SDK_VERSION  the Web SDK version the page is configured with (default 6.2.0)
//   SIGNER_GOV_URL      a service configured for Zoom for Government (SIGNER_ZOOM_CLOUD=zoomgov.com)
//   SIGNED_IN_BASE_URL  optional: a service with "Sign in with Zoom" on, whose Zoom is the stand-in
//                       (tests/it/helpers/stand_in_zoom.rs); without it the signed-in tests are
//                       skipped, saying so. With it, also:
//   SIGNED_IN_USER_NAME the name the stand-in says the signed-in user has ("Signed in as <it>")
//   SIGNED_IN_ZAK       the ZAK the stand-in issues for that user (the same on every request)
//   See "Sign in with Zoom" below for what these tests expect of that service and the stand-in.
//   CHROMIUM_PATH       optional, default /usr/bin/chromium
//   SCREENSHOT_DIR      optional: save screenshots of the form, host-key and error states there
//
// The page keeps its production URLs: every request leaving the machine is intercepted here.
//
// Every scenario also checks the page's Content-Security-Policy: the page must arrive with one, and
// nothing the page or Zoom's SDK does may violate it (see watchCsp). The happy paths run the real
// SDK up to its wc/info request, so they prove the policy allows what the SDK needs up to there.
// What the SDK does only after Zoom accepts a signature (media servers, audio worklets, wasm in
// workers) cannot be reached here; src/http/page/mod.rs says which parts of the policy are for that.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const SIGNER_URL = process.env.SIGNER_URL;
const STRICT_URL = process.env.SIGNER_STRICT_URL;
const API_TOKEN = process.env.SIGNER_TEST_API_TOKEN;
const KEY = process.env.SIGNER_TEST_KEY;
const SECRET = process.env.SIGNER_TEST_SECRET;
const HOST_KEY = process.env.SIGNER_TEST_HOST_KEY;
const SDK_VERSION = process.env.SIGNER_SDK_VERSION || '6.2.0';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR;
const SIGNED_IN_URL = process.env.SIGNED_IN_BASE_URL;
const SIGNED_IN_NAME = process.env.SIGNED_IN_USER_NAME;
const SIGNED_IN_ZAK = process.env.SIGNED_IN_ZAK;
const GOV_URL = process.env.SIGNER_GOV_URL;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SDK_DIST = path.join(HERE, 'node_modules/@zoom/meetingsdk/dist');
const TEST_TIMEOUT_MS = 60_000;
const STEP_TIMEOUT_MS = 20_000;

// What Zoom's server answers for a signature it does not accept. The machine cannot reach Zoom,
// so this reply to `POST https://zoom.us/api/v1/wc/info` is the one thing stubbed; the SDK itself
// is Zoom's real code.
// The two Zoom clouds a page can be configured for (SIGNER_ZOOM_CLOUD): where the SDK's files come
// from, and where it posts wc/info (its `webEndpoint`'s host).
const COMMERCIAL = { domain: 'zoom.us', sdkHost: 'source.zoom.us', wcInfo: 'https://zoom.us/api/v1/wc/info' };
const GOVERNMENT = { domain: 'zoomgov.com', sdkHost: 'source.zoomgov.com', wcInfo: 'https://www.zoomgov.com/api/v1/wc/info' };
const inCloud = (hostname, cloud) => hostname === cloud.domain || hostname.endsWith(`.${cloud.domain}`);
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
  assert.ok(HOST_KEY, 'SIGNER_TEST_HOST_KEY must be a host token the service accepts (SIGNER_HOST_TOKENS)');
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
 * everything else off this machine aborted and recorded. `pageOrigin`: the origin the page is
 * served from (the stubbed wc/info answers CORS for it).
 */
async function openPage(t, { pageOrigin = new URL(SIGNER_URL).origin, cloud = COMMERCIAL } = {}) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  t.after(() => context.close());
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);

  const seen = {
    zoom: [], // every request to either Zoom cloud (zoom.us, zoomgov.com and their hosts), served or not
    aborted: [], // requests that would have left the machine
    missing: [], // SDK files the package does not have
    wcInfo: [], // form bodies posted to wc/info
    pageErrors: [],
    consoleErrors: [],
    console: [], // the text of every console message, any level (a secret must never be in one)
    requests: [], // every URL the page asked for, in order
  };
  let wcInfoArrived;
  seen.wcInfoPosted = new Promise((resolve) => {
    wcInfoArrived = resolve;
  });

  await context.route('**/*', async (route) => {
    const request = route.request();
    const url = new URL(request.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:' || isLoopback(url.hostname)) return route.continue();
    const zoom = inCloud(url.hostname, COMMERCIAL) || inCloud(url.hostname, GOVERNMENT);
    if (zoom) seen.zoom.push(`${request.method()} ${url.href}`);

    if (url.hostname === cloud.sdkHost && request.method() === 'GET') {
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

    if (url.href === cloud.wcInfo && request.method() === 'POST') {
      const form = request.postData() || '';
      seen.wcInfo.push(form);
      wcInfoArrived(form);
      return route.fulfill({
        status: 200,
        headers: {
          'content-type': 'application/json;charset=UTF-8',
          'access-control-allow-origin': pageOrigin,
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

  await watchCsp(context, seen);

  const page = await context.newPage();
  page.on('pageerror', (error) => seen.pageErrors.push(error));
  page.on('console', (message) => {
    seen.console.push(message.text());
    if (message.type() === 'error') seen.consoleErrors.push({ text: message.text(), url: message.location().url });
  });
  page.on('request', (request) => seen.requests.push(request.url()));
  page.on('response', (response) => {
    if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) {
      seen.documents.push({ url: response.url(), status: response.status(), csp: response.headers()['content-security-policy'] });
    }
  });
  return { page, seen };
}

/**
 * Records Content-Security-Policy trouble in every document of the context: the
 * `securitypolicyviolation` events (a listener added before any of the page's scripts runs, which
 * keeps them on `window.__cspViolations` and reports each here, so they outlive a reload), and
 * the browser's own console lines about the policy. Violations inside workers and worklets are
 * seen by neither (they fire in the worker, and Chromium often logs nothing); no scenario gets the
 * SDK far enough to start its media workers, see the top of this file.
 */
async function watchCsp(context, seen) {
  seen.csp = []; // securitypolicyviolation events
  seen.documents = []; // main-frame documents: { url, csp header }
  await context.exposeBinding('__reportCspViolation', (_source, violation) => seen.csp.push(violation));
  await context.addInitScript(() => {
    window.__cspViolations = [];
    window.addEventListener(
      'securitypolicyviolation',
      (event) => {
        const violation = {
          directive: event.violatedDirective,
          blocked: event.blockedURI,
          source: event.sourceFile ? `${event.sourceFile}:${event.lineNumber}` : '',
        };
        window.__cspViolations.push(violation);
        window.__reportCspViolation(violation);
      },
      true,
    );
  });
}

/** Asserts the page came with a CSP and that nothing violated it. */
async function assertCspClean(page, seen) {
  // Late loads (the SDK's UI after Zoom answers) get a moment to report.
  await page.waitForTimeout(300);
  assert.ok(seen.documents.length > 0, 'no page was loaded');
  for (const { url, csp } of seen.documents) {
    assert.ok(csp, `${url} came without a Content-Security-Policy header`);
    assert.match(csp, /(^|;)\s*default-src 'none'/, `${url}: the policy does not start from default-src 'none'`);
  }
  const onWindow = await page.evaluate(() => window.__cspViolations).catch(() => null);
  assert.ok(Array.isArray(onWindow), 'the securitypolicyviolation listener is not installed');
  const mentions = (text) => /Content Security Policy/i.test(String(text));
  assert.deepEqual(seen.csp, [], 'securitypolicyviolation events');
  assert.deepEqual(seen.console.filter(mentions), [], 'console messages about the Content-Security-Policy');
  assert.deepEqual(seen.pageErrors.map((e) => e.message).filter(mentions), [], 'page errors about the Content-Security-Policy');
}

/** Asserts a secret appears in no URL the page requested or is at, no console message and no web storage. */
async function assertNotLeaked(page, seen, secret) {
  assert.ok(secret);
  assert.deepEqual(seen.requests.filter((url) => url.includes(secret)), [], 'URLs holding the secret');
  assert.ok(!page.url().includes(secret), 'the page URL holds the secret');
  assert.deepEqual(seen.console.filter((text) => text.includes(secret)), [], 'console messages holding the secret');
  const storage = await page.evaluate(() => JSON.stringify([{ ...sessionStorage }, { ...localStorage }]));
  assert.ok(!storage.includes(secret), 'web storage holds the secret');
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
  // A host key typed, then Participant picked again: the key must not be sent.
  await page.getByLabel('Join as').selectOption('1');
  await page.getByLabel('Host key').fill(HOST_KEY);
  await page.getByLabel('Join as').selectOption('0');

  const signatureRequests = [];
  page.on('request', (r) => {
    if (r.url() === signatureUrl()) signatureRequests.push(r.method());
  });
  const reply = waitForSignatureReply(page);
  // Twice, as an impatient person would: one attempt, one SDK load.
  await page.getByRole('button', { name: 'Join', exact: true }).dblclick();

  const response = await reply;
  assert.equal(response.status(), 200, `POST signature: ${await response.text()}`);
  assert.equal((await response.request().allHeaders()).authorization, undefined, 'a participant sends no Authorization');
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
  await assertCspClean(page, seen);
  await assertNotLeaked(page, seen, HOST_KEY);
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
  await assertCspClean(page, seen);
});

test('the fragment prefills the form, and wins over the query string', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
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
  // Host preselected by the link: the page asks for the key (which no link can carry).
  assert.equal(await page.getByLabel('Host key').isVisible(), true);
  assert.equal(await page.getByLabel('Host key').inputValue(), '');
  await assertCspClean(page, seen);
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
  await assertCspClean(page, seen);
});

test('picking Host asks for a host key; picking Participant hides it and forgets it', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
  await page.goto(SIGNER_URL);
  const role = page.getByLabel('Join as');
  const hostKey = page.getByLabel('Host key');
  assert.equal(await role.inputValue(), '0');
  assert.equal(await hostKey.isVisible(), false, 'the host-key field shows for a participant');

  await role.selectOption('1');
  await hostKey.waitFor({ state: 'visible' });
  assert.equal(await hostKey.getAttribute('type'), 'password');
  assert.equal(await hostKey.getAttribute('autocomplete'), 'off');
  const hint = (await visibleDescriptions(hostKey)).join(' ');
  assert.match(hint, /whoever runs this service/, 'the hint says where the key comes from');
  assert.match(hint, /ZAK/, 'the hint says starting the meeting needs more than this page does');
  await page.getByLabel('Meeting number').fill('123456789');
  await page.getByLabel('Your name').fill('Grace Hopper');
  await hostKey.fill('typed-then-abandoned');
  await screenshot(page, 'host-key');

  await role.selectOption('0');
  await hostKey.waitFor({ state: 'hidden' });
  await role.selectOption('1');
  await hostKey.waitFor({ state: 'visible' });
  assert.equal(await hostKey.inputValue(), '', 'the key typed before Participant was picked is forgotten');
  assert.deepEqual(seen.zoom, []);
  assert.deepEqual(ownErrors(seen), []);
  await assertCspClean(page, seen);
});

test('a wrong host key shows the service\'s 401 reason at the host-key field and never contacts Zoom', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
  const wrongKey = 'not-the-host-key-0123456789abcdef';
  await page.goto(SIGNER_URL);
  await page.getByLabel('Meeting number').fill('123456789');
  await page.getByLabel('Your name').fill('Grace Hopper');
  await page.getByLabel('Join as').selectOption('1');
  const hostKey = page.getByLabel('Host key');
  await hostKey.fill(wrongKey);

  const reply = waitForSignatureReply(page);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  const response = await reply;
  assert.equal(response.status(), 401, `POST signature: ${await response.text()}`);
  assert.match(response.headers()['www-authenticate'] || '', /^Bearer\b/);
  assert.equal((await response.request().allHeaders()).authorization, `Bearer ${wrongKey}`, 'the key goes in the Authorization header');
  assert.ok(!(response.request().postData() || '').includes(wrongKey), 'the key is not in the body');
  const { errors } = await response.json();
  const reason = errors.find((e) => e.property === 'role')?.reason;
  assert.ok(reason, `no role problem in ${JSON.stringify(errors)}`);

  // At the field, tied to it, and in the focused summary with a link to it.
  await page.locator('#hostKey-error').waitFor({ state: 'visible' });
  assert.ok((await visibleDescriptions(hostKey)).includes(reason), 'the reason describes the host-key field');
  assert.equal(await hostKey.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('Join as').getAttribute('aria-invalid'), null, 'the role itself is fine');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'problems', 'focus moves to the summary');
  await page.locator('#problems').getByRole('link', { name: reason }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'hostKey', 'the summary links to the field');
  await screenshot(page, 'host-key-error');

  await page.waitForTimeout(500);
  assert.deepEqual(seen.zoom, [], 'requests to Zoom after a refused signature');
  assert.deepEqual(ownErrors(seen), []);
  await assertCspClean(page, seen);
  await assertNotLeaked(page, seen, wrongKey);
});

test('the right host key gets a host signature through to Zoom, and is asked for again, not kept, on a retry', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
  // Every web-storage write, to prove the retry's saved form holds no host key.
  const storageWrites = [];
  await page.exposeBinding('__reportStorageWrite', (_source, write) => storageWrites.push(write));
  await page.addInitScript(() => {
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key, value) {
      window.__reportStorageWrite(`${key}=${value}`);
      return setItem.call(this, key, value);
    };
  });
  await page.goto(SIGNER_URL);
  await page.getByLabel('Meeting number').fill('987 654 321');
  await page.getByLabel('Your name').fill('Ada Lovelace');
  await page.getByLabel('Join as').selectOption('1');
  await page.getByLabel('Host key').fill(HOST_KEY);

  const signatureRequests = [];
  page.on('request', (r) => {
    if (r.url() === signatureUrl()) signatureRequests.push(r.method());
  });
  const reply = waitForSignatureReply(page);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  const response = await reply;
  assert.equal(response.status(), 200, `POST signature: ${await response.text()}`);
  assert.equal((await response.request().allHeaders()).authorization, `Bearer ${HOST_KEY}`);
  const signed = await response.json();
  assert.equal(signed.role, 1);

  const wcInfo = await within(seen.wcInfoPosted, 40_000, () =>
    `the SDK never posted wc/info; zoom requests: ${JSON.stringify(seen.zoom)}, missing: ${JSON.stringify(seen.missing)}`);
  const form = new URLSearchParams(wcInfo);
  assert.equal(form.get('signature'), signed.signature, 'the SDK sent the signature the service issued');
  const claims = verifyJwt(form.get('signature'), SECRET);
  assert.equal(claims.role, 1, 'a host signature');
  assert.equal(claims.mn, '987654321');
  assert.equal(claims.appKey, KEY);
  assert.equal(form.get('userName'), 'Ada Lovelace');
  const box = page.locator('#join-error');
  await box.waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await box.innerText(), /Signature is invalid/);

  // Zoom's client cannot start twice in one page, so trying again reloads it. The form comes back
  // from sessionStorage, but the host key must not have been written there: the page asks again.
  await page.getByRole('button', { name: 'Back to the form' }).click();
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByText('Enter the host key again').waitFor();
  const hostKey = page.getByLabel('Host key');
  assert.equal(await hostKey.isVisible(), true);
  assert.equal(await hostKey.inputValue(), '');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'hostKey', 'focus is on the host-key field');
  assert.equal(await page.getByLabel('Meeting number').inputValue(), '987 654 321');
  assert.equal(await page.getByLabel('Your name').inputValue(), 'Ada Lovelace');
  assert.equal(await page.getByLabel('Join as').inputValue(), '1');
  assert.equal(seen.documents.length, 2, 'the retry reloaded the page');
  assert.ok(storageWrites.some((w) => w.includes('Ada Lovelace')), `the retry saved the form: ${storageWrites.length} writes`);
  assert.deepEqual(storageWrites.filter((w) => w.includes(HOST_KEY)), [], 'storage writes holding the host key');
  await page.waitForTimeout(500);
  assert.deepEqual(signatureRequests, ['POST'], 'no new signature request without the key');
  assert.equal(seen.wcInfo.length, 1);
  assert.deepEqual(ownErrors(seen), []);
  await assertCspClean(page, seen);
  await assertNotLeaked(page, seen, HOST_KEY);
});

test('a refused host role shows at "Join as", a refused request only in the summary', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  // A second, real service (started by tests/it/browser.rs) with SIGNER_API_TOKENS set and no
  // SIGNER_HOST_TOKENS: its refusals are the real ones.
  assert.ok(STRICT_URL && API_TOKEN, 'SIGNER_STRICT_URL and SIGNER_TEST_API_TOKEN are set by tests/it/browser.rs');
  const { page, seen } = await openPage(t);
  await page.goto(STRICT_URL);
  await page.getByLabel('Meeting number').fill('123456789');
  await page.getByLabel('Your name').fill('Grace Hopper');
  const role = page.getByLabel('Join as');
  const hostKey = page.getByLabel('Host key');
  await role.selectOption('1');
  // An API token passes authentication, so the host role itself is what is refused: 403.
  await hostKey.fill(API_TOKEN);
  const join = page.getByRole('button', { name: 'Join', exact: true });
  const signatureReply = () => page.waitForResponse((r) => r.url() === new URL('signature', STRICT_URL).href);

  // 403: no key would help, so the reason is at "Join as", not at the key.
  const [hostRefused] = await Promise.all([signatureReply(), join.click()]);
  assert.equal(hostRefused.status(), 403);
  const hostOff = (await hostRefused.json()).errors[0];
  assert.equal(hostOff.property, 'role');
  await page.locator('#role-error').waitFor({ state: 'visible' });
  assert.ok((await visibleDescriptions(role)).includes(hostOff.reason), 'the reason describes "Join as"');
  assert.equal(await role.getAttribute('aria-invalid'), 'true');
  assert.equal(await hostKey.getAttribute('aria-invalid'), null);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'problems');

  // 401 for the request as a whole (a participant sends no key, and this service wants an API
  // token): in the summary, at no field.
  await role.selectOption('0');
  const [requestRefused] = await Promise.all([signatureReply(), join.click()]);
  assert.equal(requestRefused.status(), 401);
  const apiToken = (await requestRefused.json()).errors[0];
  assert.equal(apiToken.property, '$request');
  await page.locator('#problems').getByText(apiToken.reason).waitFor();
  assert.equal(await page.locator('#problems a').count(), 0, 'no link to a field');
  assert.equal(await page.locator('[aria-invalid="true"]').count(), 0, 'no field marked invalid');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'problems');
  await screenshot(page, 'request-refused');

  assert.deepEqual(seen.zoom, []);
  assert.deepEqual(ownErrors(seen), []);
  await assertCspClean(page, seen);
});

test('the CSP watcher reports a violation, so a clean run means something', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
  await page.goto(SIGNER_URL);
  await page.evaluate(() => {
    const img = document.createElement('img');
    img.src = 'https://example.com/pixel.png';
    document.body.append(img);
  });
  await page.waitForFunction(() => window.__cspViolations.length > 0, null, { timeout: 5_000 });
  for (let i = 0; i < 50 && !seen.csp.length; i += 1) await page.waitForTimeout(20); // The report to node may trail.
  assert.equal(seen.csp[0].directive, 'img-src');
  assert.equal(seen.csp[0].blocked, 'https://example.com/pixel.png');
  assert.deepEqual(await page.evaluate(() => window.__cspViolations.map((v) => v.directive)), ['img-src']);
  await assert.rejects(assertCspClean(page, seen), /securitypolicyviolation/);
});

// ---------------------------------------------------------------------------------------------
// Zoom's refusals of joins beyond the app's own account (4011–4019), registration, and "Sign in
// with Zoom".

/** The generic advice, which none of Zoom's 4011–4019 codes may get. */
const GENERIC_HINT = 'Go back to the form and press Join to try again.';

/**
 * Zoom's 4011–4019 arise only in a real join, after Zoom has accepted the signature, which this
 * machine cannot reach; so the code is fed to the page's own handler of the join's error callback
 * (showSdkError, a global of the page's classic script), in the shape the SDK's callbacks give.
 * Returns what the error box then shows.
 */
async function feedJoinError(page, errorCode) {
  const box = page.locator('#join-error');
  if (await box.isVisible()) {
    await page.getByRole('button', { name: 'Back to the form' }).click();
    await box.waitFor({ state: 'hidden' });
  }
  await page.evaluate((code) => {
    showSdkError('join the meeting', { method: 'join', status: false, result: `Zoom's text for ${code}`, errorCode: code });
  }, errorCode);
  await box.waitFor({ state: 'visible' });
  const shown = {
    title: await page.locator('#join-error-title').innerText(),
    message: await page.locator('#join-error-message').innerText(),
    hint: await page.locator('#join-error-hint').innerText(),
    signIn: await box.getByRole('button', { name: 'Sign in with Zoom' }).isVisible(),
    focused: await page.evaluate(() => document.activeElement?.id),
  };
  await page.getByRole('button', { name: 'Back to the form' }).click();
  await box.waitFor({ state: 'hidden' });
  return shown;
}

const ACCOUNT_CODES = [4011, 4012, 4013, 4014, 4015, 4016, 4017, 4018, 4019];

test('with sign-in off there is no sign-in, and Zoom\'s 4011–4019 each say what to do without it', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
  await page.goto(SIGNER_URL);
  assert.equal(await page.locator('body').getAttribute('data-sign-in'), 'false');
  assert.equal(await page.getByRole('button', { name: 'Sign in with Zoom' }).count(), 0, 'no sign-in button');
  assert.equal(await page.getByText('Signed in as').count(), 0);
  assert.equal(await page.locator('#account').isVisible(), false);

  const cross = await feedJoinError(page, 4011);
  assert.equal(cross.title, 'Zoom could not join the meeting');
  assert.equal(cross.message, "Zoom's text for 4011 (Zoom error code 4011)");
  assert.match(cross.hint, /^This service can only join meetings of its own Zoom account\. /);
  assert.equal(cross.signIn, false);
  assert.equal(cross.focused, 'join-error-close');
  await screenshot(page, 'error-4011-sign-in-off');
  const hints = new Map();
  for (const code of ACCOUNT_CODES) {
    const shown = await feedJoinError(page, code);
    assert.ok(shown.hint && shown.hint !== GENERIC_HINT, `${code} gets advice of its own, not "${shown.hint}"`);
    assert.doesNotMatch(shown.hint, /sign in with Zoom/i, `${code}: this service offers no sign-in`);
    assert.equal(shown.signIn, false, `${code}: no sign-in button`);
    hints.set(code, shown.hint);
  }
  assert.equal(new Set(hints.values()).size, ACCOUNT_CODES.length, 'each code its own advice');

  // Nothing about sign-in was asked of the service, nor anything of Zoom.
  assert.deepEqual(seen.requests.filter((url) => url.includes('/auth/zoom/')), []);
  assert.deepEqual(seen.zoom, []);
  assert.deepEqual(ownErrors(seen), []);
  await assertCspClean(page, seen);
});

test('registration: the link\'s tk (prefilled from #tk=) reaches Zoom\'s wc/info, with the email registration needs', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
  await page.goto(`${SIGNER_URL}#mn=123456789&tk=abc&name=Grace%20Hopper`);
  const registration = page.getByLabel('Registration link or token');
  assert.equal(await registration.inputValue(), 'abc');

  // What the field accepts: a join link (its tk), the token alone; a link without tk is refused.
  const parsed = await page.evaluate(() =>
    ['https://us06web.zoom.us/w/123456789?tk=Ab-c_1.x&uuid=WN_z', 'zoom.us/w/1?tk=t0k', 'tk=t1', 'Ab-c_1.x', '',
      'https://zoom.us/j/123456789?pwd=x', 'two words'].map((typed) => registrantToken(typed)));
  assert.deepEqual(parsed.slice(0, 5), [{ tk: 'Ab-c_1.x' }, { tk: 't0k' }, { tk: 't1' }, { tk: 'Ab-c_1.x' }, { tk: '' }]);
  assert.match(parsed[5].problem, /no registration token/);
  assert.match(parsed[6].problem, /stray character/);

  // Registration needs the email: said at the field before anything is asked of anyone.
  const email = page.getByLabel('Email');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.locator('#userEmail-error').waitFor({ state: 'visible' });
  assert.match(await page.locator('#userEmail-error').innerText(), /Registration needs the email address you registered with/);
  assert.equal(await email.getAttribute('aria-invalid'), 'true');
  assert.equal(seen.requests.filter((url) => url === signatureUrl()).length, 0, 'no signature asked for');

  // A whole link works as well as the bare token the fragment gave.
  await registration.fill('https://us06web.zoom.us/w/123456789?tk=abc&uuid=WN_z');
  await email.fill('grace@example.com');
  const reply = waitForSignatureReply(page);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  const response = await reply;
  assert.equal(response.status(), 200, `POST signature: ${await response.text()}`);
  assert.deepEqual(JSON.parse(response.request().postData()), { meetingNumber: '123456789', role: 0 }, 'no userToken with sign-in off');
  const wcInfo = await within(seen.wcInfoPosted, 40_000, () =>
    `the SDK never posted wc/info; zoom requests: ${JSON.stringify(seen.zoom)}, missing: ${JSON.stringify(seen.missing)}`);
  const form = new URLSearchParams(wcInfo);
  assert.equal(form.get('tk'), 'abc', 'the registrant token');
  assert.equal(form.get('userEmail'), 'grace@example.com', 'with the email');
  assert.equal(form.get('userName'), 'Grace Hopper');
  assert.ok(!form.get('zsk'), 'no ZAK without sign-in');
  await page.locator('#join-error').waitFor({ state: 'visible', timeout: 30_000 });
  assert.deepEqual(ownErrors(seen), []);
  await assertCspClean(page, seen);
});

// "Sign in with Zoom". These need a service with sign-in on whose Zoom is the stand-in, started by
// tests/it/browser.rs, which sets SIGNED_IN_BASE_URL (and SIGNED_IN_USER_NAME, SIGNED_IN_ZAK).
// What they expect of it:
// - the service at SIGNED_IN_BASE_URL runs with SIGNER_ZOOM_SIGN_IN=on and SIGNER_PUBLIC_URL equal
//   to SIGNED_IN_BASE_URL (so Zoom's redirect comes back to it and its cookies' path fits), its
//   SIGNER_ZOOM_OAUTH_URL and SIGNER_ZOOM_API_URL pointing at the stand-in on 127.0.0.1 (this suite
//   lets loopback through and aborts everything else);
// - the stand-in's authorize page consents at once: it answers 302 to redirect_uri?code=…&state=…
//   (a page of its own would do too, but it must navigate back by itself);
// - its token endpoint, users/me (the name SIGNED_IN_USER_NAME) and users/me/token?type=zak (always
//   the ZAK SIGNED_IN_ZAK) answer as Zoom does; revoke answers 200;
// - host signatures (role 1) with "userToken": "zak" are the person's own, so no host token is
//   needed (the service's rule; any SIGNER_HOST_TOKENS setting is fine).
// The ZAK is compared three ways: the signature reply's `zak`, what the SDK posts to wc/info (as
// `zsk` for a host, `ztk` for a participant) and SIGNED_IN_ZAK must be one and the same.

const signedInSkip = SIGNED_IN_URL
  ? false
  : 'SIGNED_IN_BASE_URL is not set: no service with sign-in on and a stand-in Zoom to sign in with (tests/it/browser.rs starts them)';
if (signedInSkip) console.log(`# skipping the "Sign in with Zoom" tests: ${signedInSkip}`);

function signedInRequirements() {
  assert.ok(SIGNED_IN_NAME, 'SIGNED_IN_USER_NAME (the name the stand-in gives the user) is set with SIGNED_IN_BASE_URL');
  assert.ok(SIGNED_IN_ZAK, 'SIGNED_IN_ZAK (the ZAK the stand-in issues) is set with SIGNED_IN_BASE_URL');
}

const openSignedInPage = (t) => openPage(t, { pageOrigin: new URL(SIGNED_IN_URL).origin });
const signedInUrl = (relative) => new URL(relative, SIGNED_IN_URL).href;

/** Checks the CSP of the join page's own loads (not the redirects through sign-in, nor Zoom's page). */
async function assertSignedInCspClean(page, seen) {
  const documents = seen.documents.filter((d) => d.status === 200 && d.url.startsWith(SIGNED_IN_URL));
  assert.ok(documents.length > 0, `no join page among ${JSON.stringify(seen.documents.map((d) => `${d.status} ${d.url}`))}`);
  await assertCspClean(page, { ...seen, documents });
}

/** Presses "Sign in with Zoom" and waits until the page, back from the stand-in, says who is signed in. */
async function signInWithZoom(page) {
  await page.getByRole('button', { name: 'Sign in with Zoom' }).click();
  await page.getByText(`Signed in as ${SIGNED_IN_NAME}`, { exact: true }).waitFor({ timeout: STEP_TIMEOUT_MS });
}

test('with sign-in on and nobody signed in: "Sign in with Zoom", the host key as before, and 4011 offers to sign in', { timeout: TEST_TIMEOUT_MS, skip: signedInSkip }, async (t) => {
  signedInRequirements();
  const { page, seen } = await openSignedInPage(t);
  const session = page.waitForResponse((r) => r.url() === signedInUrl('auth/zoom/session'));
  await page.goto(SIGNED_IN_URL);
  assert.equal(await page.locator('body').getAttribute('data-sign-in'), 'true');
  assert.deepEqual(await (await session).json(), { signedIn: false });
  const signIn = page.getByRole('button', { name: 'Sign in with Zoom' });
  await signIn.waitFor({ state: 'visible' });
  assert.equal(await page.getByText('Signed in as').isVisible(), false);
  assert.equal(await page.getByText('Your Zoom sign-in has ended').isVisible(), false);
  await screenshot(page, 'signed-out');

  // Not signed in, a host still needs the key.
  await page.getByLabel('Join as').selectOption('1');
  await page.getByLabel('Host key').waitFor({ state: 'visible' });
  assert.match((await visibleDescriptions(page.getByLabel('Host key'))).join(' '), /sign in with Zoom/);

  const cross = await feedJoinError(page, 4011);
  assert.equal(cross.hint, 'This meeting belongs to another Zoom account. Sign in with Zoom to join it.');
  assert.equal(cross.signIn, true, 'the message comes with the sign-in button');
  assert.equal(cross.focused, 'join-error-sign-in');
  for (const code of ACCOUNT_CODES) {
    const shown = await feedJoinError(page, code);
    assert.ok(shown.hint && shown.hint !== GENERIC_HINT, `${code} gets advice of its own`);
    assert.doesNotMatch(shown.hint, /only join meetings of its own Zoom account/, `${code}: sign-in is on`);
  }
  assert.deepEqual(seen.zoom, []);
  assert.deepEqual(ownErrors(seen), []);
  await assertSignedInCspClean(page, seen);
});

test('signing in with Zoom: the page says who is signed in, keeps the form, and a host join carries the ZAK to Zoom', { timeout: TEST_TIMEOUT_MS, skip: signedInSkip }, async (t) => {
  signedInRequirements();
  const { page, seen } = await openSignedInPage(t);
  // A link with a passcode and a registrant token: secrets that must not ride along to Zoom's
  // consent page and back in a URL.
  await page.goto(`${SIGNED_IN_URL}#mn=123456789&pwd=linkpasscode&tk=linktoken`);
  await page.getByLabel('Your name').fill('Ada at the desk');
  await page.getByLabel('Email').fill('ada@example.com');
  await signInWithZoom(page);

  // The sign-in was a navigation to the service's own auth/zoom/start, returning here without the secrets.
  const start = seen.requests.find((url) => url.startsWith(signedInUrl('auth/zoom/start')));
  assert.ok(start, `no navigation to auth/zoom/start among ${JSON.stringify(seen.requests)}`);
  assert.equal(new URL(start).searchParams.get('return'), `${new URL(SIGNED_IN_URL).pathname}#mn=123456789`);
  for (const secret of ['linkpasscode', 'linktoken']) {
    assert.deepEqual(seen.requests.filter((url) => url.includes(secret)), [], `URLs holding ${secret}`);
    assert.ok(!page.url().includes(secret), `the page URL holds ${secret}`);
  }
  // The form is as it was (kept in this tab's sessionStorage, which is empty again).
  assert.equal(await page.getByLabel('Meeting number').inputValue(), '123456789');
  assert.equal(await page.getByLabel('Passcode').inputValue(), 'linkpasscode');
  assert.equal(await page.getByLabel('Registration link or token').inputValue(), 'linktoken');
  assert.equal(await page.getByLabel('Your name').inputValue(), 'Ada at the desk');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.equal(await page.getByRole('button', { name: 'Sign in with Zoom' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).isVisible(), true);
  await screenshot(page, 'signed-in');

  // Signed in, a host needs no key: the person's ZAK starts the meeting.
  await page.getByLabel('Join as').selectOption('1');
  assert.equal(await page.getByLabel('Host key').isVisible(), false, 'no host-key field when signed in');
  const reply = page.waitForResponse((r) => r.url() === signedInUrl('signature') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  const response = await reply;
  assert.equal(response.status(), 200, `POST signature: ${await response.text()}`);
  assert.deepEqual(JSON.parse(response.request().postData()), { meetingNumber: '123456789', role: 1, userToken: 'zak' });
  assert.equal((await response.request().allHeaders()).authorization, undefined, 'no host key sent');
  const signed = await response.json();
  assert.equal(signed.zak, SIGNED_IN_ZAK, 'the reply carries the ZAK the stand-in issued');
  assert.equal(base64urlJson(signed.signature.split('.')[1]).role, 1, 'a host signature');

  const wcInfo = await within(seen.wcInfoPosted, 40_000, () =>
    `the SDK never posted wc/info; zoom requests: ${JSON.stringify(seen.zoom)}, missing: ${JSON.stringify(seen.missing)}`);
  const form = new URLSearchParams(wcInfo);
  assert.equal(form.get('zsk'), SIGNED_IN_ZAK, 'the SDK sends the ZAK to Zoom as zsk');
  assert.equal(form.get('signature'), signed.signature);
  assert.equal(form.get('meetingNumber'), '123456789');
  assert.equal(form.get('tk'), 'linktoken');
  assert.equal(form.get('userEmail'), 'ada@example.com');
  await page.locator('#join-error').waitFor({ state: 'visible', timeout: 30_000 });

  // Signed in, 4011 is not about signing in any more.
  const cross = await feedJoinError(page, 4011);
  assert.equal(cross.signIn, false);
  assert.match(cross.hint, /another Zoom account/);
  assert.doesNotMatch(cross.hint, /^This meeting belongs to another Zoom account\. Sign in with Zoom to join it\.$/);
  assert.deepEqual(ownErrors(seen), []);
  await assertSignedInCspClean(page, seen);
  // The page puts the ZAK in no URL, console message or storage of its own. (Zoom's SDK keeps it
  // in sessionStorage itself, as WebclientZsk: its business, so only the page's keys are checked.)
  assert.deepEqual(seen.requests.filter((url) => url.includes(SIGNED_IN_ZAK)), [], 'URLs holding the ZAK');
  assert.deepEqual(seen.console.filter((text) => text.includes(SIGNED_IN_ZAK)), [], 'console messages holding the ZAK');
  const ownStorage = await page.evaluate(() =>
    JSON.stringify(Object.entries({ ...sessionStorage, ...localStorage }).filter(([key]) => key.startsWith('zoom-signer.'))));
  assert.ok(!ownStorage.includes(SIGNED_IN_ZAK), 'the page\'s own storage holds the ZAK');
});

test('a signed-in participant joins as themselves: the ZAK goes to Zoom as ztk', { timeout: TEST_TIMEOUT_MS, skip: signedInSkip }, async (t) => {
  signedInRequirements();
  const { page, seen } = await openSignedInPage(t);
  await page.goto(`${SIGNED_IN_URL}#mn=123456789`);
  await signInWithZoom(page);
  const reply = page.waitForResponse((r) => r.url() === signedInUrl('signature') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  const response = await reply;
  assert.equal(response.status(), 200, `POST signature: ${await response.text()}`);
  assert.deepEqual(JSON.parse(response.request().postData()), { meetingNumber: '123456789', role: 0, userToken: 'zak' });
  const signed = await response.json();
  assert.equal(signed.zak, SIGNED_IN_ZAK);
  const wcInfo = await within(seen.wcInfoPosted, 40_000, () =>
    `the SDK never posted wc/info; zoom requests: ${JSON.stringify(seen.zoom)}, missing: ${JSON.stringify(seen.missing)}`);
  const form = new URLSearchParams(wcInfo);
  // The 6.2.0 SDK sends a participant's ZAK as ztk, and a host's as zsk.
  assert.equal(form.get('ztk'), SIGNED_IN_ZAK, 'the SDK sends a participant\'s ZAK to Zoom as ztk');
  assert.ok(!form.get('zsk'), 'no zsk for a participant');
  // Name and email came from Zoom, the form having been empty.
  assert.equal(form.get('userName'), SIGNED_IN_NAME);
  await page.locator('#join-error').waitFor({ state: 'visible', timeout: 30_000 });
  assert.deepEqual(ownErrors(seen), []);
  await assertSignedInCspClean(page, seen);
});

test('Sign out ends the session: "Sign in with Zoom" again, and a host needs the key again', { timeout: TEST_TIMEOUT_MS, skip: signedInSkip }, async (t) => {
  signedInRequirements();
  const { page, seen } = await openSignedInPage(t);
  await page.goto(SIGNED_IN_URL);
  await signInWithZoom(page);
  // Signed in with an empty form: the name and email come from Zoom.
  assert.equal(await page.getByLabel('Your name').inputValue(), SIGNED_IN_NAME);
  await page.getByLabel('Join as').selectOption('1');
  assert.equal(await page.getByLabel('Host key').isVisible(), false);

  const signOut = page.waitForResponse((r) => r.url() === signedInUrl('auth/zoom/sign-out'));
  await page.getByRole('button', { name: 'Sign out' }).click();
  const response = await signOut;
  assert.equal(response.request().method(), 'POST');
  assert.equal(response.status(), 204);
  const signIn = page.getByRole('button', { name: 'Sign in with Zoom' });
  await signIn.waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'sign-in', 'focus moves to the sign-in button');
  assert.equal(await page.getByText('Signed in as').isVisible(), false);
  await page.getByLabel('Host key').waitFor({ state: 'visible' });
  const session = await page.evaluate(async () => (await fetch('auth/zoom/session', { cache: 'no-store' })).json());
  assert.deepEqual(session, { signedIn: false });
  assert.deepEqual(seen.zoom, []);
  assert.deepEqual(ownErrors(seen), []);
  await assertSignedInCspClean(page, seen);
});

test('a sign-in that has ended: the service\'s 401 at userToken brings back "Sign in with Zoom", saying why', { timeout: TEST_TIMEOUT_MS, skip: signedInSkip }, async (t) => {
  signedInRequirements();
  const { page, seen } = await openSignedInPage(t);
  await page.goto(SIGNED_IN_URL);
  await signInWithZoom(page);
  // The session cookie goes (as when it expires) while the page still shows the person signed in.
  await page.context().clearCookies();
  await page.getByLabel('Meeting number').fill('123456789');

  const reply = page.waitForResponse((r) => r.url() === signedInUrl('signature'));
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  const response = await reply;
  assert.equal(response.status(), 401);
  assert.equal((await response.json()).errors[0].property, 'userToken');
  await page.getByText('Your Zoom sign-in has ended; sign in again.', { exact: true }).waitFor();
  const signIn = page.getByRole('button', { name: 'Sign in with Zoom' });
  assert.equal(await signIn.isVisible(), true);
  assert.equal(await page.getByText('Signed in as').isVisible(), false);
  // The summary says so too, and leads to the button.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'problems');
  await page.locator('#problems').getByRole('link', { name: /Your Zoom sign-in has ended/ }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'sign-in');
  await screenshot(page, 'sign-in-ended');

  // Signing in again works from there.
  await signInWithZoom(page);
  assert.equal(await page.getByText('Your Zoom sign-in has ended').isVisible(), false);
  assert.equal(await page.getByLabel('Meeting number').inputValue(), '123456789', 'the form survived signing in again');
  assert.deepEqual(seen.zoom, []);
  assert.deepEqual(ownErrors(seen), []);
  await assertSignedInCspClean(page, seen);
});

test('a Zoom for Government page talks to zoomgov.com only: its SDK, its wc/info, its CSP', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  assert.ok(GOV_URL, 'SIGNER_GOV_URL must name a service with SIGNER_ZOOM_CLOUD=zoomgov.com');
  const { page, seen } = await openPage(t, { pageOrigin: new URL(GOV_URL).origin, cloud: GOVERNMENT });
  const response = await page.goto(GOV_URL);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self' https:\/\/source\.zoomgov\.com /);
  assert.ok(!/zoom\.us/.test(csp), `the policy still names zoom.us: ${csp}`);
  await page.getByLabel('Meeting number').fill('123 456 789');
  await page.getByLabel('Your name').fill('Grace Hopper');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  const wcInfo = await within(seen.wcInfoPosted, 40_000, () =>
    `the SDK never posted wc/info to ${GOVERNMENT.wcInfo}; Zoom requests: ${JSON.stringify(seen.zoom)}, ` +
    `aborted: ${JSON.stringify(seen.aborted)}, missing: ${JSON.stringify(seen.missing)}`);
  const form = new URLSearchParams(wcInfo);
  assert.equal(form.get('meetingNumber'), '123456789');
  assert.equal(verifyJwt(form.get('signature'), SECRET).mn, '123456789');
  const commercial = seen.zoom.filter((r) => inCloud(new URL(r.split(' ')[1]).hostname, COMMERCIAL));
  assert.deepEqual(commercial, [], 'requests to zoom.us from a government page');
  assert.ok(seen.zoom.some((r) => r.includes('//source.zoomgov.com/')), 'the SDK came from source.zoomgov.com');
  await page.locator('#join-error').waitFor({ state: 'visible', timeout: 30_000 });
  assert.deepEqual(seen.missing, [], 'SDK files the npm package lacks');
  assert.deepEqual(ownErrors(seen), [], 'errors from the page\'s own script');
  await assertCspClean(page, seen);
});
