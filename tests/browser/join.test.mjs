// The join page in a real browser: Debian's Chromium driven by playwright-core, running Zoom's
// real Web SDK (served from the @zoom/meetingsdk npm package) against running services. Each test
// name is a rule the page keeps.
//
// Run by tests/it/browser.rs, which starts the services and sets:
//   SIGNER_URL          base URL of the main service (sign-in off, a host token configured for
//                       backends), e.g. http://127.0.0.1:40123/ or nginx's …/zoom/
//   SIGNER_TEST_KEY     the SDK key every service signs with
//   SIGNER_TEST_SECRET  the main service's SDK secret (to verify the JWT Zoom would receive)
//   SIGNER_SDK_VERSION  the Web SDK version the pages are configured with (default 6.2.0)
//   SIGNER_STRICT_URL   a service with SIGNER_API_TOKENS set (for backends) and no host tokens
//   SIGNER_TEST_API_TOKEN  that service's API token
//   SIGNER_LISTED_URL   a service signing only for SIGNER_LISTED_MEETING (SIGNER_ALLOWED_MEETINGS),
//                       whose own origin is exactly this URL's (as SIGNER_PUBLIC_URL makes it)
//   SIGNER_LIMITED_URL  a service allowing one signature request a minute per client
//   SIGNER_GOV_URL      a service configured for Zoom for Government (SIGNER_ZOOM_CLOUD=zoomgov.com)
//   SIGNED_IN_BASE_URL  optional: a service with "Sign in with Zoom" on, whose Zoom is the stand-in
//                       (tests/it/helpers/stand_in_zoom.rs); without it the signed-in tests are
//                       skipped, saying so. With it, also:
//   SIGNED_IN_USER_NAME the name the stand-in says the signed-in user has ("Signed in as <it>")
//   SIGNED_IN_ZAK       the ZAK the stand-in issues for that user (the same on every request)
//   SIGNED_IN_ZOOM_FAULT_URL  where to POST "none", "status <code>" or "slow <ms>" to make the
//                       stand-in fail or be slow from then on
//   See "Sign in with Zoom" below for what these tests expect of that service and the stand-in.
//   CHROMIUM_PATH       optional, default /usr/bin/chromium
//   SCREENSHOT_DIR      optional: save screenshots of the page in each of its states there
//
// The pages keep their production URLs: every request leaving the machine is intercepted here.
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
const LISTED_URL = process.env.SIGNER_LISTED_URL;
const LISTED_MEETING = process.env.SIGNER_LISTED_MEETING;
const LIMITED_URL = process.env.SIGNER_LIMITED_URL;
const KEY = process.env.SIGNER_TEST_KEY;
const SECRET = process.env.SIGNER_TEST_SECRET;
const SDK_VERSION = process.env.SIGNER_SDK_VERSION || '6.2.0';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR;
const SIGNED_IN_URL = process.env.SIGNED_IN_BASE_URL;
const SIGNED_IN_NAME = process.env.SIGNED_IN_USER_NAME;
const SIGNED_IN_ZAK = process.env.SIGNED_IN_ZAK;
const ZOOM_FAULT_URL = process.env.SIGNED_IN_ZOOM_FAULT_URL;
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
    'SIGNER_URL is not set: these tests need a running zoom-signer. Run them with `cargo test --test it browser`, ' +
      'or start the services and set the variables listed at the top of this file.',
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

/**
 * The end of a scenario that never reached Zoom: no request to either Zoom cloud, no error of the
 * page's own, and a clean Content-Security-Policy (`checkCsp`: which documents count).
 */
async function assertZoomUntouched(page, seen, checkCsp = assertCspClean) {
  assert.deepEqual(seen.zoom, [], 'requests to Zoom');
  assert.deepEqual(ownErrors(seen), [], 'errors from the page\'s own script');
  await checkCsp(page, seen);
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


/** Waits until the SDK has posted wc/info `count` times, failing with what was seen after ms. */
async function wcInfoPosts(page, seen, count, ms) {
  const started = Date.now();
  while (seen.wcInfo.length < count) {
    if (Date.now() - started > ms) {
      assert.fail(`the SDK posted wc/info ${seen.wcInfo.length} times, not ${count}; zoom requests: ${JSON.stringify(seen.zoom)}`);
    }
    await page.waitForTimeout(100);
  }
  return seen.wcInfo[count - 1];
}

// ---------------------------------------------------------------------------------------------
// What a person reads. The service's refusals are written for developers (`reason`, property
// names, settings); the page turns each into a sentence saying what to do, and keeps the service's
// own words under a closed "Details".

/**
 * What a person must never read on the page: backticks, header names, the API's JSON property
 * names, operator settings, raw HTTP statuses, and "host key" (in Zoom, the 6-digit PIN a host
 * types to claim host, which this page never asks for). `innerText` leaves out what is not
 * rendered, so closed "Details" and hidden elements do not count.
 */
const NOT_FOR_PEOPLE = [
  /`/,
  /host[ -]?key/i,
  /\b(Authorization|Bearer|Retry-After|Content-Type|WWW-Authenticate)\b/i,
  /\b(meetingNumber|userToken|userEmail|userName|registrantToken|passWord|expirationSeconds|videoWebRtcMode|sdkKey|expiresAt|obfToken|signedIn|errors|property|reason)\b/,
  /\brole\b/,
  /\bzak\b/,
  /\$request|\$body/,
  /SIGNER_|ZOOM_[A-Z]/,
  /HTTP \d{3}/,
];

async function assertReadsForPeople(page) {
  const text = await page.evaluate(() => document.body.innerText);
  for (const pattern of NOT_FOR_PEOPLE) assert.doesNotMatch(text, pattern, `what a person reads:\n${text}`);
}

/**
 * Asserts the page shows the service's refusal `response` as one sentence for a person: in the
 * focused summary under `title`, matching `sentence`; at the field `at` (tied to it, marked
 * invalid, linked from the summary) or at no field; with `link` the control the summary's link
 * focuses (for a field, the field). Under a closed "Details": the status and the service's
 * reasons, as it wrote them. Returns the sentence.
 */
async function assertRefusal(page, response, { title, sentence, at = null, link = at, focus = link }) {
  const said = (await response.json().catch(() => null))?.errors ?? [];
  await page.locator('#problems').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#problems-title').innerText(), title);
  const items = await page.locator('#problems-list > li').allInnerTexts();
  assert.equal(items.length, 1, `one sentence, not ${JSON.stringify(items)}`);
  const [shown] = items;
  assert.match(shown, sentence);
  assert.match(shown, /\.$/, 'a whole sentence');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'problems', 'focus moves to the summary');

  const details = page.locator('#problems-details');
  assert.equal(await details.isVisible(), true, 'a Details disclosure');
  assert.equal(await details.evaluate((element) => element.open), false, 'Details starts closed');
  assert.equal(await details.locator('summary').innerText(), 'Details');
  const detailText = await page.locator('#problems-details-list').textContent();
  assert.ok(detailText.includes(`HTTP ${response.status()}`), `Details name the status: ${detailText}`);
  assert.ok(said.length > 0, 'the service said why');
  for (const { reason } of said) assert.ok(detailText.includes(reason), `Details hold the service's reason "${reason}": ${detailText}`);
  await assertReadsForPeople(page);

  if (at) {
    const field = page.locator(`#${at}`);
    assert.ok((await visibleDescriptions(field)).includes(shown), 'the sentence describes the field');
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
  } else {
    assert.equal(await page.locator('[aria-invalid="true"]').count(), 0, 'no field marked invalid');
  }
  if (link) {
    await page.locator('#problems-list').getByRole('link', { name: shown }).click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), focus, 'the summary leads to what fixes it');
  } else {
    assert.equal(await page.locator('#problems-list a').count(), 0, 'no link to a field');
  }
  return shown;
}

/** Fills what a join needs and presses the button; resolves to the service's reply. */
async function joinAt(page, base, { meetingNumber = '123456789', name = 'Grace Hopper', button = 'Join' } = {}) {
  await page.getByLabel('Meeting number').fill(meetingNumber);
  await page.getByLabel('Your name').fill(name);
  const reply = page.waitForResponse((r) => r.url() === new URL('signature', base).href && r.request().method() === 'POST');
  await page.getByRole('button', { name: button, exact: true }).click();
  return reply;
}

// ---------------------------------------------------------------------------------------------
// Sign-in off: a participant page.

test('the page never says "host key": in Zoom that is the host\'s 6-digit PIN, and the page asks for no token', { timeout: TEST_TIMEOUT_MS }, async () => {
  for (const asset of ['', 'assets/join.js']) {
    const reply = await fetch(new URL(asset, SIGNER_URL));
    assert.equal(reply.status, 200);
    assert.doesNotMatch(await reply.text(), /host[ -]?key/i, `${asset || 'the page'} mentions a host key`);
  }
});

test('sign-in off: a participant page with no Host choice, no sign-in and no token field, though the service has host tokens for backends', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
  await page.goto(SIGNER_URL);
  assert.equal(await page.locator('body').getAttribute('data-login'), 'false');
  assert.equal(await page.getByRole('radio').count(), 0, 'no choice of role');
  assert.doesNotMatch(await page.evaluate(() => document.body.innerText), /\bhost/i, 'nothing to read about hosting');
  assert.equal(await page.locator('#role-needs-login').isVisible(), false);
  assert.equal(await page.locator('input[type="password"]').count(), 0, 'no secret to type');
  assert.equal(await page.getByRole('button', { name: 'Sign in with Zoom' }).count(), 0, 'no sign-in button');
  assert.equal(await page.getByRole('button', { name: 'Join', exact: true }).isVisible(), true);
  await assertReadsForPeople(page);
  await screenshot(page, 'sign-in-off');
  await assertZoomUntouched(page, seen);
});

test('sign-in off: a link asking for the host role (role=1) still joins as a participant, sending no token', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page } = await openPage(t);
  await page.goto(`${SIGNER_URL}#mn=123456789&name=Grace%20Hopper&role=1`);
  const reply = waitForSignatureReply(page);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  const response = await reply;
  assert.equal(response.status(), 200, `POST signature: ${await response.text()}`);
  assert.deepEqual(JSON.parse(response.request().postData()), { meetingNumber: '123456789', role: 0 });
  assert.equal((await response.request().allHeaders()).authorization, undefined, 'no Authorization');
  assert.equal((await response.json()).role, 0);
});

test('happy path: the signature reaches Zoom intact and Zoom\'s refusal is shown on top', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
  await page.goto(SIGNER_URL);
  await page.getByLabel('Meeting number').fill('123 456 789');
  await page.getByLabel('Passcode').fill('s3cret');
  await page.getByLabel('Your name').fill('Grace Hopper');

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
  await screenshot(page, 'zoom-refused-the-signature');

  assert.deepEqual(signatureRequests, ['POST'], 'one signature request for a double click');
  const bundleLoads = seen.zoom.filter((r) => r.endsWith(`/zoom-meeting-${SDK_VERSION}.min.js`));
  assert.equal(bundleLoads.length, 1, 'the SDK bundle is loaded once');
  assert.equal(seen.wcInfo.length, 1, 'one join attempt');
  assert.deepEqual(seen.missing, [], 'SDK files the npm package lacks');
  assert.deepEqual(ownErrors(seen), [], 'errors from the page\'s own script');
  await assertCspClean(page, seen);
  // The passcode went to Zoom in wc/info's body, and into no URL, console message or storage.
  await assertNotLeaked(page, seen, 's3cret');
  // Not failures (the SDK's own noise), but worth seeing when something changes.
  if (seen.aborted.length) t.diagnostic(`aborted (would have left the machine): ${seen.aborted.join(', ')}`);
  for (const e of seen.pageErrors) t.diagnostic(`SDK pageerror: ${e.message}`);
  for (const c of seen.consoleErrors) t.diagnostic(`SDK console.error: ${c.text.slice(0, 300)}`);
});

test('trying again after Zoom refused reloads the page once and joins again by itself, the form kept only in this tab\'s sessionStorage until read', { timeout: 90_000 }, async (t) => {
  const { page, seen } = await openPage(t);
  // Every web-storage write, to see what the retry keeps and where.
  const storageWrites = [];
  await page.exposeBinding('__reportStorageWrite', (_source, write) => storageWrites.push(write));
  await page.addInitScript(() => {
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key, value) {
      window.__reportStorageWrite({ local: this === window.localStorage, key, value });
      return setItem.call(this, key, value);
    };
  });
  await page.goto(SIGNER_URL);
  await page.getByLabel('Meeting number').fill('987 654 321');
  await page.getByLabel('Passcode').fill('retry-passcode');
  await page.getByLabel('Your name').fill('Ada Lovelace');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await wcInfoPosts(page, seen, 1, 40_000);
  await page.locator('#join-error').waitFor({ state: 'visible', timeout: 30_000 });

  // Zoom's client cannot start twice in one page, so trying again reloads it and joins by itself.
  await page.getByRole('button', { name: 'Back to the form' }).click();
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  const second = new URLSearchParams(await wcInfoPosts(page, seen, 2, 60_000));
  assert.equal(seen.documents.length, 2, 'the retry reloaded the page');
  assert.equal(second.get('meetingNumber'), '987654321');
  assert.equal(second.get('passWord'), 'retry-passcode');
  assert.equal(second.get('userName'), 'Ada Lovelace');
  assert.equal(await page.getByLabel('Meeting number').inputValue(), '987 654 321', 'the form came back');

  // The form went to this tab's sessionStorage under the page's one retry key, and was deleted
  // as it was read; nothing went to localStorage.
  const ours = storageWrites.filter((w) => w.key.startsWith('zoom-signer.'));
  assert.deepEqual(ours.map((w) => `${w.local ? 'local' : 'session'}:${w.key}`), ['session:zoom-signer.retry']);
  assert.match(ours[0].value, /retry-passcode/);
  assert.deepEqual(storageWrites.filter((w) => w.local && w.value.includes('retry-passcode')), [], 'the passcode in localStorage');
  const left = await page.evaluate(() => Object.keys(sessionStorage).filter((key) => key.startsWith('zoom-signer.')));
  assert.deepEqual(left, [], 'the saved form was deleted once read');
  assert.deepEqual(ownErrors(seen), []);
  await assertCspClean(page, seen);
});

test('a wrong meeting number (400): "not a meeting number" at its field, the service\'s reason under Details, and Zoom is never contacted', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
  await page.goto(SIGNER_URL);
  const response = await joinAt(page, SIGNER_URL, { meetingNumber: 'abc' });
  assert.equal(response.status(), 400);
  assert.equal((await response.json()).errors[0].property, 'meetingNumber');
  await assertRefusal(page, response, {
    title: 'Check the meeting number',
    sentence: /^This is not a meeting number\. Enter the number from the invitation/,
    at: 'meetingNumber',
  });
  await screenshot(page, 'refused-wrong-meeting-number');

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

  const withQuery = new URL(SIGNER_URL);
  withQuery.search = '?mn=111111111&email=ada%40example.com';
  withQuery.hash = '#mn=987654321&name=Ada%20Lovelace';
  await page.goto(withQuery.href);
  assert.equal(await page.getByLabel('Meeting number').inputValue(), '987654321');
  assert.equal(await page.getByLabel('Your name').inputValue(), 'Ada Lovelace');
  assert.equal(await page.getByLabel('Email').inputValue(), 'ada@example.com');
  await assertCspClean(page, seen);
});

test('"More options" folds email and registration: closed on a plain link, open for a link with tk, and opened by a problem in them', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
  const more = page.locator('#more-options');
  const email = page.getByLabel('Email');
  await page.goto(`${SIGNER_URL}#mn=123456789&name=Grace%20Hopper`);
  assert.equal(await more.evaluate((d) => d.open), false);
  assert.equal(await email.isVisible(), false, 'the email is folded away');
  assert.equal(await page.getByLabel('Registration link or token').isVisible(), false);

  // A problem in a folded field opens "More options" and leads there.
  await page.getByText('More options').click();
  await email.fill('not an address');
  await page.getByText('More options').click();
  await email.waitFor({ state: 'hidden' });
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.locator('#userEmail-error').waitFor({ state: 'visible' });
  assert.equal(await more.evaluate((d) => d.open), true, 'opened to show the problem');
  assert.equal(await email.getAttribute('aria-invalid'), 'true');
  await page.locator('#problems').getByRole('link').click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'userEmail');
  await assertReadsForPeople(page);
  await screenshot(page, 'more-options-with-a-problem');
  assert.equal(seen.requests.filter((url) => url === signatureUrl()).length, 0, 'nothing asked of the service');

  // A registration link (here in the query string) opens it at once.
  await page.goto(`${SIGNER_URL}?tk=abc`);
  assert.equal(await more.evaluate((d) => d.open), true, 'open for a link with tk');
  assert.equal(await page.getByLabel('Registration link or token').inputValue(), 'abc');
  assert.equal(await email.isVisible(), true);
  await screenshot(page, 'more-options-for-registration');
  assert.deepEqual(ownErrors(seen), []);
  await assertCspClean(page, seen);
});

test('registration: the link\'s tk (prefilled from #tk=) reaches Zoom\'s wc/info, with the email registration needs', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
  await page.goto(`${SIGNER_URL}#mn=123456789&tk=abc&name=Grace%20Hopper`);
  const registration = page.getByLabel('Registration link or token');
  assert.equal(await registration.inputValue(), 'abc');
  assert.equal(await registration.isVisible(), true, '"More options" is open for a link with tk');

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

test('no demo banner when the service runs with real credentials', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
  await page.goto(SIGNER_URL);
  const body = page.locator('body');
  assert.equal(await body.getAttribute('data-demo'), 'false');
  assert.equal(await body.getAttribute('data-sdk-version'), SDK_VERSION);
  assert.equal(await page.getByText('Demo mode').isVisible(), false);
  // The page loads nothing from Zoom until Join.
  await assertZoomUntouched(page, seen);
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

test('the reading check catches API words, so a clean page means something', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page } = await openPage(t);
  await page.goto(SIGNER_URL);
  await assertReadsForPeople(page);
  for (const words of ['needs `Authorization: Bearer <host token>`', 'Enter your host key', 'check meetingNumber', 'HTTP 403 Forbidden']) {
    await page.evaluate((text) => { document.getElementById('status').textContent = text; }, words);
    await assert.rejects(assertReadsForPeople(page), /what a person reads/, words);
  }
});

// ---------------------------------------------------------------------------------------------
// Refusals of services configured otherwise, each as a sentence saying what to do.

test('a service that answers only backends (401, API tokens): the page says it cannot join meetings with this service', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  assert.ok(STRICT_URL && API_TOKEN, 'SIGNER_STRICT_URL and SIGNER_TEST_API_TOKEN are set by tests/it/browser.rs');
  const { page, seen } = await openPage(t);
  await page.goto(STRICT_URL);
  const response = await joinAt(page, STRICT_URL);
  assert.equal(response.status(), 401);
  assert.equal((await response.json()).errors[0].property, '$request');
  await assertRefusal(page, response, {
    title: 'This page cannot use this service',
    sentence: /^This service only answers programs that hold its access token, .* Join with the Zoom app instead/,
  });
  await screenshot(page, 'refused-service-for-backends-only');
  await assertZoomUntouched(page, seen);
});

test('a meeting the service does not sign for (403): said at the meeting number, with what to do', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  assert.ok(LISTED_URL && LISTED_MEETING, 'SIGNER_LISTED_URL and SIGNER_LISTED_MEETING are set by tests/it/browser.rs');
  const { page, seen } = await openPage(t, { pageOrigin: new URL(LISTED_URL).origin });
  await page.goto(LISTED_URL);
  assert.notEqual(LISTED_MEETING, '987654321');
  const response = await joinAt(page, LISTED_URL, { meetingNumber: '987 654 321' });
  assert.equal(response.status(), 403);
  assert.equal((await response.json()).errors[0].property, 'meetingNumber');
  await assertRefusal(page, response, {
    title: 'This meeting is not available here',
    sentence: /^This service is not set up for this meeting\. Check the meeting number; if it is right, ask whoever sent you the link/,
    at: 'meetingNumber',
  });
  await screenshot(page, 'refused-meeting-not-allowed');
  await assertZoomUntouched(page, seen);
});

test('the page opened at an address the service does not take as its own (403): says to open it at the address you were given', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  assert.ok(LISTED_URL, 'SIGNER_LISTED_URL is set by tests/it/browser.rs');
  // The same service, by another name: its own origin is exactly its 127.0.0.1 URL.
  const elsewhere = new URL(LISTED_URL);
  elsewhere.hostname = 'localhost';
  const { page, seen } = await openPage(t, { pageOrigin: elsewhere.origin });
  await page.goto(elsewhere.href);
  const response = await joinAt(page, elsewhere.href, { meetingNumber: LISTED_MEETING });
  assert.equal(response.status(), 403);
  assert.equal((await response.json()).errors[0].property, '$request');
  const shown = await assertRefusal(page, response, {
    title: 'This page cannot be used at this address',
    sentence: /^This service does not accept the join page at .*\. Open the page at the address you were given/,
  });
  assert.ok(shown.includes(elsewhere.host), `the sentence names the address: ${shown}`);
  await screenshot(page, 'refused-page-at-another-address');
  await assertZoomUntouched(page, seen);
});

test('too many attempts (429): the page says how long to wait, from the service\'s Retry-After', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  assert.ok(LIMITED_URL, 'SIGNER_LIMITED_URL is set by tests/it/browser.rs');
  // Spend this client's allowance (one a minute) first: the other run may have spent it already.
  let spent = false;
  for (let i = 0; i < 3 && !spent; i += 1) {
    const reply = await fetch(new URL('signature', LIMITED_URL), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ meetingNumber: '123456789', role: 0 }),
    });
    await reply.arrayBuffer();
    spent = reply.status === 429;
  }
  assert.ok(spent, 'the limited service never answered 429');

  const { page, seen } = await openPage(t, { pageOrigin: new URL(LIMITED_URL).origin });
  await page.goto(LIMITED_URL);
  const response = await joinAt(page, LIMITED_URL);
  assert.equal(response.status(), 429);
  const wait = Number(response.headers()['retry-after']);
  assert.ok(wait >= 1 && wait <= 60, `Retry-After: ${response.headers()['retry-after']}`);
  await assertRefusal(page, response, {
    title: 'Too many attempts',
    sentence: new RegExp(`^There have been too many attempts from your network in a short time\\. Wait ${wait} seconds?, then try again\\.$`),
  });
  await screenshot(page, 'refused-too-many-attempts');
  await assertZoomUntouched(page, seen);
});

test('the service out of reach: the page says to check the connection and try again, the browser\'s error under Details', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
  await page.goto(SIGNER_URL);
  // The network fails under the page's request (as when the connection drops).
  await page.route(signatureUrl(), (route) => route.abort('internetdisconnected'));
  await page.getByLabel('Meeting number').fill('123456789');
  await page.getByLabel('Your name').fill('Grace Hopper');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.locator('#problems').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#problems-title').innerText(), 'Could not reach this service');
  assert.deepEqual(await page.locator('#problems-list > li').allInnerTexts(),
    ['Your browser could not reach this service. Check your internet connection, then try again.']);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'problems');
  assert.equal(await page.locator('#problems-details').evaluate((d) => d.open), false);
  assert.match(await page.locator('#problems-details-list').textContent(), /TypeError/);
  await assertReadsForPeople(page);
  await screenshot(page, 'refused-network-failure');
  await assertZoomUntouched(page, seen);
});

// ---------------------------------------------------------------------------------------------
// Zoom's refusals of joins beyond the app's own account (4011–4019).

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
    login: await box.getByRole('button', { name: 'Sign in with Zoom' }).isVisible(),
    focused: await page.evaluate(() => document.activeElement?.id),
  };
  await page.getByRole('button', { name: 'Back to the form' }).click();
  await box.waitFor({ state: 'hidden' });
  return shown;
}

const ACCOUNT_CODES = [4011, 4012, 4013, 4014, 4015, 4016, 4017, 4018, 4019];

test('with sign-in off, Zoom\'s 4011–4019 each say what to do without signing in', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { page, seen } = await openPage(t);
  await page.goto(SIGNER_URL);
  const cross = await feedJoinError(page, 4011);
  assert.equal(cross.title, 'Zoom could not join the meeting');
  assert.equal(cross.message, "Zoom's text for 4011 (Zoom error code 4011)");
  assert.match(cross.hint, /^This service can only join meetings of its own Zoom account\. /);
  assert.equal(cross.login, false);
  assert.equal(cross.focused, 'join-error-close');
  const hints = new Map();
  for (const code of ACCOUNT_CODES) {
    const shown = await feedJoinError(page, code);
    assert.ok(shown.hint && shown.hint !== GENERIC_HINT, `${code} gets advice of its own, not "${shown.hint}"`);
    assert.doesNotMatch(shown.hint, /sign in with Zoom/i, `${code}: this service offers no sign-in`);
    assert.equal(shown.login, false, `${code}: no sign-in button`);
    hints.set(code, shown.hint);
  }
  assert.equal(new Set(hints.values()).size, ACCOUNT_CODES.length, 'each code its own advice');

  // Nothing about the login was asked of the service, nor anything of Zoom.
  assert.deepEqual(seen.requests.filter((url) => url.includes('/auth/zoom/')), []);
  await assertZoomUntouched(page, seen);
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

// ---------------------------------------------------------------------------------------------
// "Sign in with Zoom" (the login). These need a service with it on whose Zoom is the stand-in,
// started by tests/it/browser.rs, which sets SIGNED_IN_BASE_URL (and SIGNED_IN_USER_NAME,
// SIGNED_IN_ZAK, SIGNED_IN_ZOOM_FAULT_URL). What they expect of it:
// - the service at SIGNED_IN_BASE_URL runs with SIGNER_ZOOM_SIGN_IN=on and SIGNER_PUBLIC_URL equal
//   to SIGNED_IN_BASE_URL (so Zoom's redirect comes back to it and its cookies' path fits), its
//   SIGNER_ZOOM_OAUTH_URL and SIGNER_ZOOM_API_URL pointing at the stand-in on 127.0.0.1 (this suite
//   lets loopback through and aborts everything else);
// - the stand-in's authorize page consents at once: it answers 302 to redirect_uri?code=…&state=…
//   (a page of its own would do too, but it must navigate back by itself);
// - its token endpoint, users/me (the name SIGNED_IN_USER_NAME), users/me/token?type=zak (always
//   the ZAK SIGNED_IN_ZAK) and meetings/{id} answer as Zoom does: the user hosts 123456789 and not
//   987654321 (stand_in_zoom.rs's HOSTED_MEETING and FOREIGN_MEETING); revoke answers 200;
// - a host signature (role 1) with "userToken": "zak" is issued only to the meeting's host, with no
//   host token (the service's rule);
// - SIGNED_IN_ZOOM_FAULT_URL switches the stand-in's faults: "status 503" makes every call but
//   authorize fail, "slow 8000" makes each take 8 s (longer than the service waits), "none" ends it.
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
const signedInSignature = (page) =>
  page.waitForResponse((r) => r.url() === signedInUrl('signature') && r.request().method() === 'POST');

/** Checks the CSP of the join page's own loads (not the redirects through sign-in, nor Zoom's page). */
async function assertSignedInCspClean(page, seen) {
  const documents = seen.documents.filter((d) => d.status === 200 && d.url.startsWith(SIGNED_IN_URL));
  assert.ok(documents.length > 0, `no join page among ${JSON.stringify(seen.documents.map((d) => `${d.status} ${d.url}`))}`);
  await assertCspClean(page, { ...seen, documents });
}

/** A fresh page at the signed-in service (with `link`'s fragment), signed in with Zoom. */
async function signedInAt(t, link = '') {
  signedInRequirements();
  const opened = await openSignedInPage(t);
  await opened.page.goto(`${SIGNED_IN_URL}${link}`);
  await signInWithZoom(opened.page);
  return opened;
}

/** Presses "Sign in with Zoom" and waits until the page, back from the stand-in, says who is signed in. */
async function signInWithZoom(page) {
  await page.getByRole('button', { name: 'Sign in with Zoom' }).click();
  await page.getByText(`Signed in as ${SIGNED_IN_NAME}`, { exact: true }).waitFor({ timeout: STEP_TIMEOUT_MS });
}

/** Makes the stand-in Zoom misbehave ("status 503", "slow 8000") until the test ends. */
async function zoomFault(t, fault) {
  assert.ok(ZOOM_FAULT_URL, 'SIGNED_IN_ZOOM_FAULT_URL is set with SIGNED_IN_BASE_URL');
  const set = async (what) => {
    const reply = await fetch(ZOOM_FAULT_URL, { method: 'POST', body: what });
    assert.equal(reply.status, 204, `the stand-in's fault switch refused "${what}"`);
  };
  await set(fault);
  t.after(() => set('none'));
}

test('sign-in on, signed out: "Sign in with Zoom", and where Host would be, that starting a meeting you host needs signing in', { timeout: TEST_TIMEOUT_MS, skip: signedInSkip }, async (t) => {
  signedInRequirements();
  const { page, seen } = await openSignedInPage(t);
  const session = page.waitForResponse((r) => r.url() === signedInUrl('auth/zoom/session'));
  await page.goto(SIGNED_IN_URL);
  assert.equal(await page.locator('body').getAttribute('data-login'), 'true');
  assert.deepEqual(await (await session).json(), { signedIn: false });
  await page.getByRole('button', { name: 'Sign in with Zoom' }).waitFor({ state: 'visible' });
  const needs = page.locator('#role-needs-login');
  await needs.waitFor({ state: 'visible' });
  assert.match(await needs.innerText(), /Starting a meeting you host needs you signed in/);
  assert.equal(await page.getByRole('radio').count(), 0, 'no Host choice to make while signed out');
  assert.equal(await page.locator('input[type="password"]').count(), 0, 'no secret to type');
  assert.equal(await page.getByText('Signed in as').isVisible(), false);
  assert.equal(await page.getByText('Your Zoom sign-in has ended').isVisible(), false);
  assert.equal(await page.getByRole('button', { name: 'Join', exact: true }).isVisible(), true);
  await assertReadsForPeople(page);
  await screenshot(page, 'signed-out');
  await assertZoomUntouched(page, seen, assertSignedInCspClean);
});

test('sign-in on, signed out: Zoom\'s 4011–4019 offer "Sign in with Zoom" where signing in helps', { timeout: TEST_TIMEOUT_MS, skip: signedInSkip }, async (t) => {
  signedInRequirements();
  const { page, seen } = await openSignedInPage(t);
  await page.goto(SIGNED_IN_URL);
  await page.getByRole('button', { name: 'Sign in with Zoom' }).waitFor({ state: 'visible' });
  const cross = await feedJoinError(page, 4011);
  assert.equal(cross.hint, 'This meeting belongs to another Zoom account. Sign in with Zoom to join it.');
  assert.equal(cross.login, true, 'the message comes with the sign-in button');
  assert.equal(cross.focused, 'join-error-login');
  for (const code of ACCOUNT_CODES) {
    const shown = await feedJoinError(page, code);
    assert.ok(shown.hint && shown.hint !== GENERIC_HINT, `${code} gets advice of its own`);
    assert.doesNotMatch(shown.hint, /only join meetings of its own Zoom account/, `${code}: sign-in is on`);
  }
  await assertZoomUntouched(page, seen, assertSignedInCspClean);
});

test('signing in with Zoom: the page says who is signed in, offers to start the meeting, and keeps the form without the link\'s secrets in any URL', { timeout: TEST_TIMEOUT_MS, skip: signedInSkip }, async (t) => {
  signedInRequirements();
  const { page, seen } = await openSignedInPage(t);
  // A link with a passcode and a registrant token: secrets that must not ride along to Zoom's
  // consent page and back in a URL.
  await page.goto(`${SIGNED_IN_URL}#mn=123456789&pwd=linkpasscode&tk=linktoken`);
  await page.getByLabel('Your name').fill('Ada at the desk');
  await page.getByLabel('Email').fill('ada@example.com');
  await signInWithZoom(page);

  // The login was a navigation to the service's own auth/zoom/start, returning here without the secrets.
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
  assert.equal(await page.getByLabel('Registration link or token').isVisible(), true, '"More options" open for the registration');
  assert.equal(await page.getByLabel('Your name').inputValue(), 'Ada at the desk');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.equal(await page.getByRole('button', { name: 'Sign in with Zoom' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).isVisible(), true);
  // Signed in, the person may start a meeting they host; joining stays the default.
  assert.equal(await page.getByRole('radio', { name: 'Participant' }).isChecked(), true);
  assert.equal(await page.getByRole('radio', { name: 'Host: start this meeting' }).isVisible(), true);
  assert.equal(await page.locator('#role-needs-login').isVisible(), false);
  assert.equal(await page.locator('input[type="password"]').count(), 0, 'no secret to type');
  await assertReadsForPeople(page);
  await screenshot(page, 'signed-in');
  await assertZoomUntouched(page, seen, assertSignedInCspClean);
});

test('signed in, "Host: start this meeting" asks for role 1 with the person\'s ZAK and no token, and the SDK carries the ZAK to Zoom as zsk', { timeout: TEST_TIMEOUT_MS, skip: signedInSkip }, async (t) => {
  // A host's link may ask for Host (role=1): it is picked once signed in.
  const { page, seen } = await signedInAt(t, '#mn=123456789&role=1');
  assert.equal(await page.getByRole('radio', { name: 'Host: start this meeting' }).isChecked(), true, 'the link\'s role=1 survived signing in');
  const start = page.getByRole('button', { name: 'Start this meeting' });
  assert.equal(await start.isVisible(), true, 'the button says what it does');
  await assertReadsForPeople(page);
  await screenshot(page, 'starting-as-host');

  const reply = signedInSignature(page);
  await start.click();
  const response = await reply;
  assert.equal(response.status(), 200, `POST signature: ${await response.text()}`);
  assert.deepEqual(JSON.parse(response.request().postData()), { meetingNumber: '123456789', role: 1, userToken: 'zak' });
  assert.equal((await response.request().allHeaders()).authorization, undefined, 'no token sent');
  const signed = await response.json();
  assert.equal(signed.zak, SIGNED_IN_ZAK, 'the reply carries the ZAK the stand-in issued');
  assert.equal(base64urlJson(signed.signature.split('.')[1]).role, 1, 'a host signature');

  const wcInfo = await within(seen.wcInfoPosted, 40_000, () =>
    `the SDK never posted wc/info; zoom requests: ${JSON.stringify(seen.zoom)}, missing: ${JSON.stringify(seen.missing)}`);
  const form = new URLSearchParams(wcInfo);
  assert.equal(form.get('zsk'), SIGNED_IN_ZAK, 'the SDK sends the ZAK to Zoom as zsk');
  assert.equal(form.get('signature'), signed.signature);
  assert.equal(form.get('meetingNumber'), '123456789');
  await page.locator('#join-error').waitFor({ state: 'visible', timeout: 30_000 });
  assert.equal(await page.locator('#join-error-title').innerText(), 'Zoom could not start the meeting');

  // Signed in, 4011 is not about signing in any more.
  const cross = await feedJoinError(page, 4011);
  assert.equal(cross.login, false);
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
  const { page, seen } = await signedInAt(t, '#mn=123456789');
  const reply = signedInSignature(page);
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

test('not the meeting\'s host (403): the page says Zoom does not list you as its host or an alternative host, at "Join as"', { timeout: TEST_TIMEOUT_MS, skip: signedInSkip }, async (t) => {
  const { page, seen } = await signedInAt(t, '#mn=987654321&role=1');
  const reply = signedInSignature(page);
  await page.getByRole('button', { name: 'Start this meeting' }).click();
  const response = await reply;
  assert.equal(response.status(), 403);
  assert.equal((await response.json()).errors[0].property, 'role');
  const shown = await assertRefusal(page, response, {
    title: 'You cannot start this meeting',
    sentence: /^Only this meeting's host or an alternative host can start it, and Zoom does not list you .* as either\. Check the meeting number, or join as a participant\.$/,
    at: 'role',
    focus: 'role-host',
  });
  assert.ok(shown.includes(`signed in as ${SIGNED_IN_NAME}`), `the sentence says who is signed in: ${shown}`);
  await screenshot(page, 'refused-not-the-host');
  // Opened, Details show the service's own words for whoever debugs.
  await page.locator('#problems-details summary').click();
  await page.locator('#problems-details-list').waitFor({ state: 'visible' });
  assert.match(await page.locator('#problems-details-list').innerText(), /^HTTP 403 .*\nrole: \S/s);
  await screenshot(page, 'refused-not-the-host-details-open');
  await page.waitForTimeout(500);
  assert.deepEqual(seen.zoom, [], 'nothing asked of Zoom\'s web client');
  assert.deepEqual(ownErrors(seen), []);
  await assertSignedInCspClean(page, seen);
});

test('Zoom failing (502): the page says Zoom is not answering and to try again in a few minutes', { timeout: TEST_TIMEOUT_MS, skip: signedInSkip }, async (t) => {
  const { page, seen } = await signedInAt(t, '#mn=123456789');
  await zoomFault(t, 'status 503');
  const reply = signedInSignature(page);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  const response = await reply;
  assert.equal(response.status(), 502);
  await assertRefusal(page, response, {
    title: 'Zoom is not answering',
    sentence: /^This service could not get an answer it needs from Zoom just now\. Try again in a few minutes/,
  });
  await screenshot(page, 'refused-zoom-down');
  assert.equal(await page.getByText(`Signed in as ${SIGNED_IN_NAME}`).isVisible(), true, 'still signed in');
  await assertZoomUntouched(page, seen, assertSignedInCspClean);
});

test('Zoom too slow (504): the page says Zoom took too long and to try again in a moment', { timeout: TEST_TIMEOUT_MS, skip: signedInSkip }, async (t) => {
  const { page, seen } = await signedInAt(t, '#mn=123456789&role=1');
  await zoomFault(t, 'slow 8000');
  const reply = signedInSignature(page);
  await page.getByRole('button', { name: 'Start this meeting' }).click();
  const response = await reply;
  assert.equal(response.status(), 504);
  await assertRefusal(page, response, {
    title: 'Zoom is slow to answer',
    sentence: /^Zoom took too long to answer this service\. Wait a moment, then try again\.$/,
  });
  await screenshot(page, 'refused-zoom-slow');
  await assertZoomUntouched(page, seen, assertSignedInCspClean);
});

test('Sign out ends the session: "Sign in with Zoom" again, and starting a meeting needs signing in again', { timeout: TEST_TIMEOUT_MS, skip: signedInSkip }, async (t) => {
  const { page, seen } = await signedInAt(t);
  // Signed in with an empty form: the name and email come from Zoom.
  assert.equal(await page.getByLabel('Your name').inputValue(), SIGNED_IN_NAME);
  await page.getByRole('radio', { name: 'Host: start this meeting' }).check();
  assert.equal(await page.getByRole('button', { name: 'Start this meeting' }).isVisible(), true);

  const logout = page.waitForResponse((r) => r.url() === signedInUrl('auth/zoom/sign-out'));
  await page.getByRole('button', { name: 'Sign out' }).click();
  const response = await logout;
  assert.equal(response.request().method(), 'POST');
  assert.equal(response.status(), 204);
  await page.getByRole('button', { name: 'Sign in with Zoom' }).waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'login', 'focus moves to the sign-in button');
  assert.equal(await page.getByText('Signed in as').isVisible(), false);
  assert.equal(await page.getByRole('radio').count(), 0, 'no Host choice once signed out');
  assert.equal(await page.locator('#role-needs-login').isVisible(), true);
  assert.equal(await page.getByRole('button', { name: 'Join', exact: true }).isVisible(), true, 'back to joining');
  const session = await page.evaluate(async () => (await fetch('auth/zoom/session', { cache: 'no-store' })).json());
  assert.deepEqual(session, { signedIn: false });
  await assertZoomUntouched(page, seen, assertSignedInCspClean);
});

test('a sign-in that has ended (401): "Sign in with Zoom" comes back, the page says why and leads to it', { timeout: TEST_TIMEOUT_MS, skip: signedInSkip }, async (t) => {
  const { page, seen } = await signedInAt(t);
  // The session cookie goes (as when it expires) while the page still shows the person signed in.
  await page.context().clearCookies();
  await page.getByLabel('Meeting number').fill('123456789');

  const reply = signedInSignature(page);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  const response = await reply;
  assert.equal(response.status(), 401);
  assert.equal((await response.json()).errors[0].property, 'userToken');
  await page.getByText('Your Zoom sign-in has ended; sign in again.', { exact: true }).waitFor();
  assert.equal(await page.getByText('Signed in as').isVisible(), false);
  await assertRefusal(page, response, {
    title: 'Your Zoom sign-in has ended',
    sentence: /^Your Zoom sign-in has ended\. Sign in with Zoom again, then press Join\.$/,
    link: 'login',
  });
  await screenshot(page, 'refused-sign-in-ended');

  // Signing in again works from there.
  await signInWithZoom(page);
  assert.equal(await page.getByText('Your Zoom sign-in has ended').isVisible(), false);
  assert.equal(await page.getByLabel('Meeting number').inputValue(), '123456789', 'the form survived signing in again');
  await assertZoomUntouched(page, seen, assertSignedInCspClean);
});
