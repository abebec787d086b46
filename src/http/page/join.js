// Join page: asks this service for a Meeting SDK signature, then loads Zoom's Web SDK (client
// view, from Zoom's CDN) and joins with it. No SDK credential ever reaches the page, only a
// signature; the page sends no bearer token (host tokens are for backends, see the README).
// With the login on (data-login="true", "Sign in with Zoom" on screen) the service keeps the
// session in an HttpOnly cookie this script cannot read; the logged-in person's ZAK arrives in the
// signature reply and goes only to ZoomMtg.join: this script never puts it in a URL, storage or the
// console (Zoom's SDK keeps it in sessionStorage itself). Starting a meeting (role 1) is offered
// only then: the host's own ZAK is what lets Zoom start it, and the service checks with Zoom that
// the person hosts the meeting.
// Words: "signature" is the SDK's signature only; the Zoom session is "the login" here, while
// what people read keeps Zoom's "Sign in with Zoom" and "Sign out".
// Plain ES2020 with no build step; the page is served under a strict Content-Security-Policy, so
// everything here comes from this file (no inline script or style attributes).
'use strict';

const VENDOR_SCRIPTS = ['react', 'react-dom', 'redux', 'redux-thunk', 'lodash'];
// Fields that can show a problem. A retry or a login carries all of them across a reload (see
// retryInFreshPage): none holds a longer-lived secret than a passcode.
const FIELDS = ['meetingNumber', 'passcode', 'userName', 'userEmail', 'registrantToken', 'role'];
// Fields folded under "More options".
const MORE_OPTIONS = ['userEmail', 'registrantToken'];
const JOIN_SPACING_MS = 10_000; // Zoom: join() may be called at most once per 10 s.
const STEP_TIMEOUT_MS = 30_000; // A hung request, script or SDK step must end in a message.
const JOIN_TIMEOUT_MS = 60_000; // Joining can legitimately take a while (waiting rooms).
const RETRY_KEY = 'zoom-signer.retry';
const LOGIN_KEY = 'zoom-signer.login'; // The form, kept while the person signs in at Zoom.
// Link parameters that are secrets: never carried into the login's return address.
const SECRET_PARAMS = ['pwd', 'tk'];

const $ = (id) => document.getElementById(id);
const form = $('join-form');
const joinButton = $('join');
const sdkVersion = document.body.dataset.sdkVersion || '';
// Zoom's commercial cloud, or Zoom for Government (SIGNER_ZOOM_CLOUD): where the SDK's scripts
// come from, and the web host it talks to.
const sdkOrigin = document.body.dataset.sdkOrigin || 'https://source.zoom.us';
const webEndpoint = document.body.dataset.webEndpoint || 'zoom.us';
const demo = document.body.dataset.demo === 'true';
const loginOffered = document.body.dataset.login === 'true';

let busy = false;

/**
 * A problem the person can fix: a title, sentences for a person ({ at, text }: `at` is the field
 * or control it is about, or null), and what the service itself said (`details`, for Details).
 */
class FormProblem extends Error {
  constructor(title, problems, details = []) {
    super(title);
    this.problems = problems;
    this.details = details;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Zoom did not respond within ${ms / 1000} s while ${what}.`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function setStatus(text) {
  $('status').textContent = text;
}

// ---------------------------------------------------------------------------------------------
// Joining or starting. Starting a meeting takes the host's ZAK, which only the login provides:
// without it the page is for participants, and says (with the login offered) what starting takes.

const hostPicked = () => $('role-host').checked;
/** Whether Join starts the meeting: Host picked while logged in. */
const starting = () => hostPicked() && loggedIn();

function pickRole(value) {
  $(String(value) === '1' ? 'role-host' : 'role-participant').checked = true;
  syncRole();
}

function syncRole() {
  $('role').hidden = !loggedIn();
  $('role-needs-login').hidden = !loginOffered || loggedIn();
  joinButton.textContent = starting() ? 'Start this meeting' : 'Join';
}

// ---------------------------------------------------------------------------------------------
// The login ("Sign in with Zoom"), only when the service offers it. The service says who is
// logged in (auth/zoom/session). Logging in is a top-level navigation to the service's
// auth/zoom/start, which sends the browser on to Zoom's consent page and back: no request of this
// page's goes to Zoom's OAuth pages, so the CSP needs nothing for them. The form waits in
// sessionStorage (this tab only, read once and deleted), like a retry's.

let account = null; // { name, email } while logged in.
let accountKnown = Promise.resolve(); // Settles once the service has said who is logged in.

function loggedIn() {
  return account !== null;
}

function setAccountStatus(text) {
  $('account-status').textContent = text;
  $('account-status').hidden = !text;
}

function showAccount({ ended = false } = {}) {
  $('account').hidden = false;
  $('logged-in').hidden = !loggedIn();
  $('logged-out').hidden = loggedIn();
  $('login-ended').hidden = !ended;
  $('logged-in-as').textContent = loggedIn() ? `Signed in as ${whoIsLoggedIn()}` : '';
  syncRole();
}

const whoIsLoggedIn = () => account?.name || account?.email || 'a Zoom user';

async function refreshAccount() {
  setAccountStatus('Checking your Zoom sign-in…');
  let session = null;
  try {
    const response = await fetch(new URL('auth/zoom/session', document.baseURI), {
      headers: { Accept: 'application/json' },
      cache: 'no-store',
      signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
    });
    if (response.ok) session = await response.json();
  } catch {
    // Reported below.
  }
  if (session?.signedIn === true) {
    const text = (value) => (typeof value === 'string' ? value.trim() : '');
    account = { name: text(session.name), email: text(session.email) };
    // The person's own name and email, unless something is there already.
    if (!$('userName').value.trim()) $('userName').value = account.name;
    if (!$('userEmail').value.trim()) $('userEmail').value = account.email;
  } else {
    account = null;
  }
  setAccountStatus(session ? '' : 'Could not check whether you are signed in with Zoom; you can still sign in.');
  showAccount();
}

function startLogin() {
  saveValues(LOGIN_KEY, { values: readForm() });
  const start = new URL('auth/zoom/start', document.baseURI);
  start.searchParams.set('return', returnPath());
  location.assign(start.href);
}

/** This page's path, query and fragment without the secrets a link may carry (they are in the saved form). */
function returnPath() {
  const without = (text, prefix) => {
    const params = new URLSearchParams(text.slice(1));
    for (const key of SECRET_PARAMS) params.delete(key);
    const rest = params.toString();
    return rest ? `${prefix}${rest}` : '';
  };
  return location.pathname + without(location.search, '?') + without(location.hash, '#');
}

async function logout() {
  setAccountStatus('Signing out…');
  try {
    await fetch(new URL('auth/zoom/sign-out', document.baseURI), {
      method: 'POST',
      cache: 'no-store',
      signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
    });
  } catch {
    // Whatever happened, the service says below whether the person is still logged in.
  }
  await refreshAccount();
  if (loggedIn()) {
    setAccountStatus('Signing out did not work; try again.');
    $('logout').focus();
  } else {
    $('login').focus();
  }
}

/** After a refusal saying the login has ended: the "Sign in with Zoom" button, with why. */
function loginEnded() {
  account = null;
  showAccount({ ended: true });
}

// ---------------------------------------------------------------------------------------------
// Prefill. Links may carry the values in the query string or in the fragment
// (#mn=…&pwd=…&name=…&email=…&tk=…&role=…). The fragment wins and is the better place for a passcode:
// browsers never send it in a request, so it cannot end up in this server's, a proxy's or a
// referrer's logs. role=1 picks Host, which counts only once logged in.

function prefill() {
  const params = new URLSearchParams(location.search);
  for (const [key, value] of new URLSearchParams(location.hash.slice(1))) params.set(key, value);
  const ids = { mn: 'meetingNumber', pwd: 'passcode', name: 'userName', email: 'userEmail', tk: 'registrantToken' };
  for (const [key, id] of Object.entries(ids)) {
    const value = params.get(key);
    if (value !== null) $(id).value = value;
  }
  if (params.get('role') === '0' || params.get('role') === '1') pickRole(params.get('role'));
}

/** "More options" opens by itself for a registration (a link with tk, or one carried over a reload). */
function openMoreOptionsForRegistration() {
  if ($('registrantToken').value.trim()) $('more-options').open = true;
}

// ---------------------------------------------------------------------------------------------
// Problems in the form: each next to its field (tied with aria-describedby), plus a focused
// summary that also holds the ones tied to no field, and under "Details" what the service said.

/** The element that takes focus for a field: for the role, its picked radio button. */
function focusable(id) {
  if (id === 'role') return $(hostPicked() ? 'role-host' : 'role-participant');
  return $(id);
}

function setFieldError(id, text) {
  const input = $(id);
  const error = $(`${id}-error`);
  const describedBy = (input.getAttribute('aria-describedby') || '')
    .split(' ')
    .filter((token) => token && token !== error.id);
  error.textContent = text || '';
  error.hidden = !text;
  if (text) {
    input.setAttribute('aria-invalid', 'true');
    describedBy.push(error.id);
    if (MORE_OPTIONS.includes(id)) $('more-options').open = true;
  } else {
    input.removeAttribute('aria-invalid');
  }
  if (describedBy.length) input.setAttribute('aria-describedby', describedBy.join(' '));
  else input.removeAttribute('aria-describedby');
}

function clearProblems() {
  for (const id of FIELDS) setFieldError(id, '');
  $('problems').hidden = true;
  $('problems-list').replaceChildren();
  $('problems-details').hidden = true;
  $('problems-details').open = false;
  $('problems-details-list').replaceChildren();
}

function showProblems({ message: title, problems, details = [] }) {
  const byField = new Map();
  const items = [];
  for (const { at, text } of problems) {
    const li = document.createElement('li');
    if (FIELDS.includes(at)) byField.set(at, byField.has(at) ? `${byField.get(at)} ${text}` : text);
    const target = at && $(at) && !$(at).closest('[hidden]') ? at : null;
    if (target) {
      // A link to the field (not a fragment change: the fragment may hold the prefill).
      const a = document.createElement('a');
      a.href = `#${target}`;
      a.textContent = text;
      a.addEventListener('click', (event) => {
        event.preventDefault();
        focusable(target).focus();
      });
      li.append(a);
    } else {
      li.textContent = text;
    }
    items.push(li);
  }
  for (const [id, text] of byField) setFieldError(id, text);
  $('problems-title').textContent = title;
  $('problems-list').replaceChildren(...items);
  $('problems-details-list').replaceChildren(...details.map((line) => {
    const li = document.createElement('li');
    li.textContent = line;
    return li;
  }));
  $('problems-details').hidden = details.length === 0;
  $('problems').hidden = false;
  $('problems').focus();
}

// ---------------------------------------------------------------------------------------------
// Errors from Zoom: in a fixed box above the SDK's full-screen #zmmtg-root, which covers the page.

function describeSdkError(error) {
  if (error instanceof Error) return { message: error.message };
  // The SDK's callbacks pass shapes such as {errorCode, result} or {method, status, result, errorCode}.
  const code = error?.errorCode ?? error?.code;
  const text = error?.result ?? error?.errorMessage ?? error?.reason ?? error?.message;
  let message = typeof text === 'string' && text ? text : '';
  if (!message) {
    try {
      message = JSON.stringify(error);
    } catch {
      message = String(error);
    }
  }
  return { code, message };
}

// Zoom's refusals of joins beyond the app's own Zoom account (Web SDK 6.2.0). They arise only in
// a real join, once Zoom has accepted the signature, so the browser test feeds them to
// showSdkError (a global of this classic script) directly. What to do depends on whether the
// service offers the login, and whether the person is logged in; login: true puts a "Sign in with
// Zoom" button next to the message.
function accountAdvice(code) {
  const canLogIn = loginOffered && !loggedIn();
  const elsewhere = 'the Zoom app (or in your browser at zoom.us)';
  const otherwise = `Join this meeting with ${elsewhere} instead.`;
  switch (code) {
    case 4011: // Joining a meeting of another account is not allowed for this app.
      if (canLogIn) return { hint: 'This meeting belongs to another Zoom account. Sign in with Zoom to join it.', login: true };
      if (loginOffered) {
        return {
          hint: 'This meeting belongs to another Zoom account, and Zoom does not let this service\'s Zoom app join it even ' +
            'with your sign-in (the app must be published on the Zoom App Marketplace for that). ' +
            `Ask whoever runs this service, or join with ${elsewhere}.`,
        };
      }
      return { hint: `This service can only join meetings of its own Zoom account. ${otherwise}` };
    case 4012: // Anonymous join refused: a ZAK or OBF token is needed.
      if (canLogIn) return { hint: 'This meeting admits only people signed in to Zoom. Sign in with Zoom, then press Join again.', login: true };
      if (loginOffered) return { hint: 'Zoom did not accept your sign-in for this meeting. Sign out, sign in with Zoom again, then press Join.' };
      return { hint: `This meeting admits only people signed in to Zoom, which this service cannot do. ${otherwise}` };
    case 4013: // No OBF token.
      if (canLogIn) return { hint: 'Zoom needs to know whom this service joins for. Sign in with Zoom, then press Join again.', login: true };
      return { hint: `Zoom lets this service join this meeting only on behalf of someone already in it (an OBF token), which this page does not do. ${otherwise}` };
    case 4014: // OBF token invalid.
      return { hint: 'Zoom did not accept the on-behalf-of (OBF) token; such tokens are short-lived and good for one join. Press Join to try again.' };
    case 4015: // OBF token for another meeting.
      return { hint: 'The on-behalf-of (OBF) token was made for a different meeting. Check the meeting number, then press Join again.' };
    case 4016: // The privilege token is invalid.
      return { hint: 'Zoom says the privilege token this join used is no longer valid. Ask the host for a new invitation link.' };
    case 4017: // The authorizing user is not in the meeting.
      return { hint: 'This service joins on behalf of a Zoom user, who must be in the meeting first. Join it with the Zoom app, then press Join here again.' };
    case 4018: // Conflict with the login credentials.
      return loginOffered
        ? { hint: 'Zoom says this join\'s credentials conflict with your Zoom sign-in. Sign out, sign in with Zoom again, then press Join.' }
        : { hint: `Zoom says this join's credentials conflict. Reload the page and try again; if it keeps failing, join with ${elsewhere}.` };
    case 4019: // The authorizing user left.
      return { hint: 'The Zoom user this service joined on behalf of left the meeting, so Zoom removed this one too. Once they are back in the meeting, press Join again.' };
    default:
      return null;
  }
}

/** What to do about a failure from Zoom: { hint, login }. */
function adviceFor(code, message) {
  return accountAdvice(Number(code)) ?? { hint: hintFor(code, message) };
}

function hintFor(code, message) {
  if (code === 3712 || /signature/i.test(message)) {
    return demo
      ? 'This service runs in demo mode with throwaway credentials, so Zoom rejects its signatures.'
      : 'Zoom refused the signature. Check that the service uses Meeting SDK credentials and that its clock is right.';
  }
  if (/password|passcode/i.test(message)) return 'Check the passcode from the invitation.';
  return 'Go back to the form and press Join to try again.';
}

function showJoinError(title, message, hint, { fatal = true, login = false } = {}) {
  // On a failure hide Zoom's own screen, so the form is usable again beneath the message.
  if (fatal) document.documentElement.classList.remove('sdk-active');
  $('join-error-title').textContent = title;
  $('join-error-message').textContent = message;
  $('join-error-hint').textContent = hint;
  $('join-error-login').hidden = !login;
  $('join-error').hidden = false;
  (login ? $('join-error-login') : $('join-error-close')).focus();
}

function showSdkError(stage, error) {
  const { code, message } = describeSdkError(error);
  const withCode = code === undefined || code === null ? message : `${message} (Zoom error code ${code})`;
  const { hint, login = false } = adviceFor(code, message);
  showJoinError(`Zoom could not ${stage}`, withCode, hint, { login });
  setStatus(`Zoom could not ${stage}.`);
}

function hideJoinError() {
  $('join-error').hidden = true;
}

// ---------------------------------------------------------------------------------------------
// The service. Its refusals are {"errors": [{"property", "reason"}]}, written for developers; the
// person reads a sentence saying what to do (explainRefusal), and the service's own words stay
// under "Details".

// Logged in, the request asks for the person's ZAK ("userToken": "zak"), which the reply carries
// as `zak`; with role 1 the service first checks with Zoom that the person hosts the meeting.
async function requestSignature(meetingNumber, role, { zak = false } = {}) {
  const request = zak ? { meetingNumber, role, userToken: 'zak' } : { meetingNumber, role };
  let response;
  try {
    // Relative URL: the page may be served under a path prefix by a proxy.
    response = await fetch(new URL('signature', document.baseURI), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(request),
      cache: 'no-store',
      signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = error?.name === 'TimeoutError';
    throw new FormProblem('Could not reach this service', [{
      at: null,
      text: timedOut
        ? 'This service did not answer in time. Check your internet connection, then try again; if it keeps happening, the service may be down.'
        : 'Your browser could not reach this service. Check your internet connection, then try again.',
    }], [`${error?.name || 'Error'}: ${error?.message || error}`]);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON, e.g. a proxy's error page: explained by its status.
  }
  if (response.ok && typeof body?.signature === 'string' && body.signature) return body;
  const said = Array.isArray(body?.errors)
    ? body.errors.filter((p) => p && typeof p === 'object').map(({ property, reason }) => ({ property: String(property), reason: String(reason ?? '') }))
    : [];
  const retryAfter = response.status === 429 ? seconds(response.headers.get('Retry-After')) : null;
  const { title, problems, ended = false } = explainRefusal(response.status, said, retryAfter, role);
  if (ended) loginEnded();
  const statusLine = `HTTP ${response.status} ${response.statusText}`.trim() +
    (response.headers.get('Retry-After') ? ` (Retry-After: ${response.headers.get('Retry-After')})` : '');
  const details = [statusLine, ...said.map(({ property, reason }) => `${property}: ${reason}`)];
  throw new FormProblem(title, problems, details);
}

/** A Retry-After value in whole seconds (it may also be a date), or null. */
function seconds(retryAfter) {
  if (!retryAfter) return null;
  if (/^\d+$/.test(retryAfter.trim())) return Number(retryAfter.trim());
  const at = Date.parse(retryAfter);
  return Number.isNaN(at) ? null : Math.max(1, Math.ceil((at - Date.now()) / 1000));
}

/** "58 seconds", "3 minutes", "2 hours": how long to wait, rounded up. */
function duration(total) {
  const plural = (n, unit) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (total < 90) return plural(Math.max(1, total), 'second');
  if (total < 90 * 60) return plural(Math.ceil(total / 60), 'minute');
  return plural(Math.ceil(total / 3600), 'hour');
}

/**
 * A refusal of the service's, as a sentence for a person saying what to do: { title, problems,
 * ended }, `ended` when the login is over. `said` is the service's errors array (possibly empty),
 * `role` what the page asked for.
 */
function explainRefusal(status, said, retryAfter, role) {
  const about = (property) => said.some((problem) => problem.property === property);
  const one = (title, text, at = null) => ({ title, problems: [{ at, text }] });
  const askOperator = 'if it keeps happening, tell whoever runs this service';
  if (status === 400 && about('meetingNumber')) {
    return one('Check the meeting number',
      'This is not a meeting number. Enter the number from the invitation: digits only, spaces and hyphens are fine.', 'meetingNumber');
  }
  if (status === 401 && about('userToken')) {
    return {
      ...one('Your Zoom sign-in has ended',
        `Your Zoom sign-in has ended. Sign in with Zoom again, then ${role === 1 ? 'start the meeting' : 'press Join'}.`, 'login'),
      ended: true,
    };
  }
  if (status === 403 && about('role')) {
    return one('You cannot start this meeting',
      `Only this meeting's host or an alternative host can start it, and Zoom does not list you (signed in as ${whoIsLoggedIn()}) ` +
        'as either. Check the meeting number, or join as a participant.', 'role');
  }
  if (status === 403 && about('meetingNumber')) {
    return one('This meeting is not available here',
      'This service is not set up for this meeting. Check the meeting number; if it is right, ask whoever sent you the link ' +
        'how to join.', 'meetingNumber');
  }
  if (status === 403 && about('$request')) {
    return one('This page cannot be used at this address',
      `This service does not accept the join page at ${location.host}. Open the page at the address you were given; ${askOperator}.`);
  }
  if (status === 401 && about('$request')) {
    return one('This page cannot use this service',
      'This service only answers programs that hold its access token, so this page cannot join meetings with it. ' +
        'Join with the Zoom app instead, or tell whoever runs this service.');
  }
  if (status === 429) {
    const wait = retryAfter ? duration(retryAfter) : 'a minute';
    return one('Too many attempts',
      `There have been too many attempts from your network in a short time. Wait ${wait}, then try again.`);
  }
  if (status === 502 && said.length) {
    return one('Zoom is not answering',
      `This service could not get an answer it needs from Zoom just now. Try again in a few minutes; ${askOperator}.`);
  }
  if (status === 504 && said.length) {
    return one('Zoom is slow to answer', 'Zoom took too long to answer this service. Wait a moment, then try again.');
  }
  if (status >= 500 || status === 408) {
    return one('This service is not answering',
      `This service is not answering properly just now (it may be restarting). Try again in a minute; ${askOperator}.`);
  }
  return one('The meeting could not be joined',
    `This service refused the request. Try again; ${askOperator} (the details below help them).`);
}

// ---------------------------------------------------------------------------------------------
// Zoom's Web SDK: scripts loaded once per page, in order, each by a <script> element (the CDN
// bundle expects React, Redux and lodash as globals before it runs).

const scriptLoads = new Map();

function loadScript(src) {
  if (!scriptLoads.has(src)) {
    scriptLoads.set(src, new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.async = false;
      script.addEventListener('load', () => resolve());
      script.addEventListener('error', () => {
        script.remove();
        scriptLoads.delete(src); // A later Join may try again.
        reject(new Error(`Could not load ${src}. Check your connection and try again.`));
      });
      document.head.append(script);
    }));
  }
  return scriptLoads.get(src);
}

let sdkReady = null;

function prepareSdk() {
  sdkReady ??= (async () => {
    if (!/^\d+\.\d+\.\d+$/.test(sdkVersion)) throw new Error(`This page has no valid Web SDK version ("${sdkVersion}").`);
    const lib = `${sdkOrigin}/${sdkVersion}/lib`;
    for (const name of VENDOR_SCRIPTS) {
      await withTimeout(loadScript(`${lib}/vendor/${name}.min.js`), STEP_TIMEOUT_MS, `loading ${name}`);
    }
    const bundle = `${sdkOrigin}/zoom-meeting-${sdkVersion}.min.js`;
    await withTimeout(loadScript(bundle), STEP_TIMEOUT_MS, 'loading the meeting client');
    const { ZoomMtg } = window;
    if (!ZoomMtg) throw new Error(`${bundle} loaded but did not define ZoomMtg.`);
    ZoomMtg.setZoomJSLib(lib, '/av'); // Must be absolute: the page is not on Zoom's origin.
    ZoomMtg.preLoadWasm();
    ZoomMtg.prepareWebSDK();
    await withTimeout(Promise.resolve(ZoomMtg.i18n.load('en-US')), STEP_TIMEOUT_MS, 'loading its texts');
    return ZoomMtg;
  })().catch((error) => {
    sdkReady = null;
    throw error;
  });
  return sdkReady;
}

// Called once per page (see retryInFreshPage).
function initSdk(ZoomMtg) {
  const started = new Promise((resolve, reject) => {
    ZoomMtg.init({
      // Leaving the meeting comes back here; without the fragment, which may hold a passcode.
      leaveUrl: location.href.split('#')[0],
      webEndpoint,
      patchJsMedia: true,
      success: resolve,
      error: reject,
    });
  });
  return withTimeout(started, STEP_TIMEOUT_MS, 'starting');
}

let lastJoinAt = 0; // Date.now() of the last join() call; carried across a retry's reload.

async function joinMeeting(ZoomMtg, options, role) {
  const wait = lastJoinAt + JOIN_SPACING_MS - Date.now();
  if (wait > 0) {
    setStatus(`Zoom allows one join every 10 seconds: trying again in ${Math.ceil(wait / 1000)} s…`);
    await sleep(wait);
  }
  lastJoinAt = Date.now();
  setStatus(role === 1 ? 'Starting the meeting…' : 'Joining…');
  return new Promise((resolve, reject) => {
    ZoomMtg.join({ ...options, success: resolve, error: reject });
  });
}

// Zoom's client view cannot start twice in one page: once init() has run, a second init() or
// join() never answers. So a new attempt after that reloads the page, carrying the form's values
// (passcode included) in sessionStorage: they stay in this tab, are read once and deleted at once,
// and unlike a URL they do not end up in the browser's history. The ZAK is not among them: the
// service fetches a fresh one for every signature.

let sdkSpent = false;

/** Keeps the form's values (FIELDS only) in sessionStorage under key; false without storage. */
function saveValues(key, { values, ...rest }) {
  const kept = Object.fromEntries(FIELDS.map((id) => [id, values[id]]));
  try {
    sessionStorage.setItem(key, JSON.stringify({ values: kept, ...rest }));
    return true;
  } catch {
    return false;
  }
}

/** What saveValues kept under key, deleted as it is read; the form is filled from it. */
function takeValues(key) {
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(key) || 'null');
    sessionStorage.removeItem(key);
  } catch {
    return null; // No storage: nothing was saved.
  }
  if (!saved?.values) return null;
  for (const id of FIELDS) {
    const value = saved.values[id];
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    if (id === 'role') pickRole(value);
    else $(id).value = String(value);
  }
  return saved;
}

function retryInFreshPage(values) {
  if (!saveValues(RETRY_KEY, { values, lastJoinAt })) {
    showJoinError(
      'Reload the page to try again',
      "Zoom's meeting client cannot start twice in one page.",
      'Please reload the page and fill in the form again.',
    );
    return;
  }
  setStatus('Reloading Zoom…');
  location.reload();
}

async function resumeRetry() {
  const saved = takeValues(RETRY_KEY);
  if (!saved) return;
  lastJoinAt = Number(saved.lastJoinAt) || 0;
  await accountKnown; // Whether the person is still logged in.
  if (String(saved.values.role) === '1' && !starting()) {
    // Starting the meeting needs the login, which ended meanwhile: never join as someone else
    // than was asked without saying so.
    setStatus('Your Zoom sign-in has ended: sign in with Zoom again to start the meeting.');
    $('login').focus();
    return;
  }
  form.requestSubmit();
}

// ---------------------------------------------------------------------------------------------
// The Join button.

function readForm() {
  return {
    meetingNumber: $('meetingNumber').value, // As typed: the service normalises it.
    passcode: $('passcode').value.trim(),
    userName: $('userName').value.trim(),
    userEmail: $('userEmail').value.trim(),
    registrantToken: $('registrantToken').value.trim(), // As typed: a link or a token.
    role: hostPicked() ? 1 : 0, // Kept as picked; it counts only while logged in (starting()).
  };
}

/**
 * The registrant's token from what was typed: a join link's `tk` parameter (…?tk=…), or the token
 * itself. { tk } ('' when nothing was typed), or { problem }.
 */
function registrantToken(typed) {
  if (!typed) return { tk: '' };
  let tk = typed;
  if (/[/?&]/.test(typed) || /^tk=/i.test(typed)) {
    // A link, with or without its scheme, or only its query.
    const query = typed.includes('?') ? typed.slice(typed.indexOf('?') + 1) : typed;
    tk = new URLSearchParams(query.split('#')[0]).get('tk') || '';
    if (!tk) {
      return { problem: 'This link has no registration token (tk=…). Paste the join link from your registration confirmation, or just its token.' };
    }
  }
  if (!/^[\w.~=+-]+$/.test(tk)) {
    return { problem: 'A registration token has no spaces and only letters, digits and a few marks (- _ . ~ = +); check it for a stray character.' };
  }
  return { tk };
}

function checkForm(values) {
  const problems = [];
  if (!values.meetingNumber.trim()) problems.push({ at: 'meetingNumber', text: 'Enter the meeting number from the invitation.' });
  if (!values.userName) problems.push({ at: 'userName', text: 'Enter your name; others in the meeting will see it.' });
  if (values.userEmail && !$('userEmail').checkValidity()) {
    problems.push({ at: 'userEmail', text: 'Enter an email address like name@example.com, or leave it empty.' });
  }
  const registration = registrantToken(values.registrantToken);
  if (registration.problem) {
    problems.push({ at: 'registrantToken', text: registration.problem });
  } else if (registration.tk && !values.userEmail) {
    problems.push({ at: 'userEmail', text: 'Registration needs the email address you registered with; enter it.' });
  }
  return problems;
}

async function join() {
  await accountKnown; // Whether to ask for a ZAK, and whether Host counts.
  clearProblems();
  hideJoinError();
  const values = readForm();
  const problems = checkForm(values);
  if (problems.length) {
    showProblems(new FormProblem('Please check the form', problems));
    return;
  }
  if (sdkSpent) {
    retryInFreshPage(values);
    return;
  }

  const role = starting() ? 1 : 0;
  let stage = 'load';
  try {
    setStatus(role === 1 ? 'Checking with Zoom that you host this meeting…' : 'Getting ready to join…');
    const signed = await requestSignature(values.meetingNumber, role, { zak: loggedIn() });

    setStatus('Loading Zoom…');
    const ZoomMtg = await prepareSdk();

    stage = 'start';
    setStatus('Starting Zoom…');
    document.documentElement.classList.add('sdk-active'); // Shows Zoom's full-screen client.
    sdkSpent = true;
    await initSdk(ZoomMtg);

    stage = role === 1 ? 'start the meeting' : 'join the meeting';
    const options = {
      signature: signed.signature,
      meetingNumber: signed.meetingNumber, // The service's normalised digits.
      userName: values.userName,
      userEmail: values.userEmail, // Registration needs it (checkForm made sure).
      passWord: values.passcode,
    };
    const { tk } = registrantToken(values.registrantToken);
    if (tk) options.tk = tk;
    if (typeof signed.zak === 'string' && signed.zak) options.zak = signed.zak; // Only when logged in.
    const joining = joinMeeting(ZoomMtg, options, role);
    const outcome = await Promise.race([joining.then(() => 'joined'), sleep(JOIN_TIMEOUT_MS).then(() => 'slow')]);
    if (outcome === 'slow') {
      // Not necessarily a failure (a waiting room answers late), so leave Zoom's screen visible.
      showJoinError(
        'Zoom has not confirmed the join yet',
        `No answer from Zoom after ${JOIN_TIMEOUT_MS / 1000} s.`,
        "If Zoom shows a waiting room or is waiting for the host, that is normal; otherwise reload the page and try again.",
        { fatal: false },
      );
      joining.then(hideJoinError, (error) => showSdkError(stage, error));
      return;
    }
    setStatus(role === 1 ? 'Started.' : 'Joined.');
  } catch (error) {
    if (error instanceof FormProblem) {
      showProblems(error);
      setStatus('');
    } else {
      showSdkError(stage, error);
    }
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (busy) return; // One attempt at a time; a second press while joining does nothing.
  busy = true;
  joinButton.setAttribute('aria-disabled', 'true');
  try {
    await join();
  } finally {
    busy = false;
    joinButton.removeAttribute('aria-disabled');
  }
});

$('join-error-close').addEventListener('click', () => {
  hideJoinError();
  joinButton.focus();
});

for (const id of ['role-participant', 'role-host']) $(id).addEventListener('change', syncRole);

prefill();
if (loginOffered) {
  $('login').addEventListener('click', startLogin);
  $('join-error-login').addEventListener('click', startLogin);
  $('logout').addEventListener('click', logout);
  takeValues(LOGIN_KEY); // The form as it was before logging in.
  accountKnown = refreshAccount();
}
syncRole();
resumeRetry(); // Fills the form from a retry's saved values before its first await.
openMoreOptionsForRegistration();
