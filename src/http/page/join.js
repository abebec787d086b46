// Join page: asks this service for a Meeting SDK signature, then loads Zoom's Web SDK (client
// view, from Zoom's CDN) and joins with it. No SDK credential ever reaches the page, only a
// signature. The one secret the page handles is a host key the person types in: it goes only into
// the signature request's Authorization header, and is never put in a URL, stored or logged.
// With "Sign in with Zoom" on (data-sign-in="true") the service keeps the session in an HttpOnly
// cookie this script cannot read; the signed-in person's ZAK arrives in the signature reply and
// goes only to ZoomMtg.join: this script never puts it in a URL, storage or the console (Zoom's
// SDK keeps it in sessionStorage itself).
// Plain ES2020 with no build step; the page is served under a strict Content-Security-Policy, so
// everything here comes from this file (no inline script or style attributes).
'use strict';

const VENDOR_SCRIPTS = ['react', 'react-dom', 'redux', 'redux-thunk', 'lodash'];
// Fields that can show a problem.
const FIELDS = ['meetingNumber', 'passcode', 'userName', 'userEmail', 'registrantToken', 'role', 'hostKey'];
// Fields a re-join (or a sign-in) carries across a reload (see retryInFreshPage): never the host key.
const KEPT_FIELDS = ['meetingNumber', 'passcode', 'userName', 'userEmail', 'registrantToken', 'role'];
// Problems about something other than a field, and the control that fixes them.
const FIX_AT = { userToken: 'sign-in' };
const JOIN_SPACING_MS = 10_000; // Zoom: join() may be called at most once per 10 s.
const STEP_TIMEOUT_MS = 30_000; // A hung request, script or SDK step must end in a message.
const JOIN_TIMEOUT_MS = 60_000; // Joining can legitimately take a while (waiting rooms).
const RETRY_KEY = 'zoom-signer.retry';
const SIGN_IN_KEY = 'zoom-signer.sign-in'; // The form, kept while the person signs in at Zoom.
// Link parameters that are secrets: never carried into the sign-in's return address.
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
const signInOffered = document.body.dataset.signIn === 'true';

let busy = false;

/** A problem the person can fix in the form (the service's `errors` array, or our own). */
class FormProblem extends Error {
  constructor(title, problems) {
    super(title);
    this.problems = problems;
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
// The host key: asked for only while "Host" is picked, and not signed in with Zoom (the service
// lets a signed-in person ask for a host signature with their own ZAK: Zoom lets only the
// meeting's host start it with theirs). Hiding the field forgets what was typed, so it cannot be
// sent by mistake later.

const hostPicked = () => $('role').value === '1';
const hostKeyNeeded = () => hostPicked() && !signedIn();

function syncHostKey() {
  const needed = hostKeyNeeded();
  $('hostKey-field').hidden = !needed;
  if (!needed) {
    $('hostKey').value = '';
    setFieldError('hostKey', '');
  }
}

// ---------------------------------------------------------------------------------------------
// "Sign in with Zoom", only when the service offers it. The service says who is signed in
// (auth/zoom/session). Signing in is a top-level navigation to the service's auth/zoom/start,
// which sends the browser on to Zoom's consent page and back: no request of this page's goes to
// Zoom's OAuth pages, so the CSP needs nothing for them. The form waits in sessionStorage (this
// tab only, read once and deleted), like a retry's; never the host key.

let account = null; // { name, email } while signed in.
let accountKnown = Promise.resolve(); // Settles once the service has said who is signed in.

function signedIn() {
  return account !== null;
}

function setAccountStatus(text) {
  $('account-status').textContent = text;
  $('account-status').hidden = !text;
}

function showAccount({ ended = false } = {}) {
  $('account').hidden = false;
  $('signed-in').hidden = !signedIn();
  $('signed-out').hidden = signedIn();
  $('account-ended').hidden = !ended;
  $('signed-in-as').textContent = signedIn() ? `Signed in as ${account.name || account.email || 'a Zoom user'}` : '';
  syncHostKey();
}

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

function startSignIn() {
  saveValues(SIGN_IN_KEY, { values: readForm() });
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

async function signOut() {
  setAccountStatus('Signing out…');
  try {
    await fetch(new URL('auth/zoom/sign-out', document.baseURI), {
      method: 'POST',
      cache: 'no-store',
      signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
    });
  } catch {
    // Whatever happened, the service says below whether the person is still signed in.
  }
  await refreshAccount();
  if (signedIn()) {
    setAccountStatus('Signing out did not work; try again.');
    $('sign-out').focus();
  } else {
    $('sign-in').focus();
  }
}

/** After a refusal saying the sign-in has ended: the sign-in button, with why. */
function signInEnded() {
  account = null;
  showAccount({ ended: true });
}

// ---------------------------------------------------------------------------------------------
// Prefill. Links may carry the values in the query string or in the fragment
// (#mn=…&pwd=…&name=…&email=…&tk=…&role=…). The fragment wins and is the better place for a passcode:
// browsers never send it in a request, so it cannot end up in this server's, a proxy's or a
// referrer's logs.

function prefill() {
  const params = new URLSearchParams(location.search);
  for (const [key, value] of new URLSearchParams(location.hash.slice(1))) params.set(key, value);
  const ids = { mn: 'meetingNumber', pwd: 'passcode', name: 'userName', email: 'userEmail', tk: 'registrantToken', role: 'role' };
  for (const [key, id] of Object.entries(ids)) {
    const value = params.get(key);
    if (value === null || (id === 'role' && value !== '0' && value !== '1')) continue;
    $(id).value = value;
  }
}

// ---------------------------------------------------------------------------------------------
// Errors in the form: each next to its field (tied with aria-describedby), plus a summary that
// also holds the ones tied to no field ($body, $request or a property this page does not know).

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
}

function showProblems(title, problems) {
  const byField = new Map();
  const items = [];
  for (const { property, reason } of problems) {
    const text = String(reason ?? 'Unknown problem.');
    const li = document.createElement('li');
    const target = FIELDS.includes(property) ? property : FIX_AT[property];
    if (FIELDS.includes(property)) byField.set(property, byField.has(property) ? `${byField.get(property)} ${text}` : text);
    if (target && $(target) && !$(target).closest('[hidden]')) {
      // A link to the field (not a fragment change: the fragment may hold the prefill).
      const a = document.createElement('a');
      a.href = `#${target}`;
      a.textContent = text;
      a.addEventListener('click', (event) => {
        event.preventDefault();
        $(target).focus();
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
// service offers sign-in, and whether the person is signed in; signIn: true puts a "Sign in with
// Zoom" button next to the message.
function accountAdvice(code) {
  const canSignIn = signInOffered && !signedIn();
  const elsewhere = 'the Zoom app (or in your browser at zoom.us)';
  const otherwise = `Join this meeting with ${elsewhere} instead.`;
  switch (code) {
    case 4011: // Joining a meeting of another account is not allowed for this app.
      if (canSignIn) return { hint: 'This meeting belongs to another Zoom account. Sign in with Zoom to join it.', signIn: true };
      if (signInOffered) {
        return {
          hint: 'This meeting belongs to another Zoom account, and Zoom does not let this service\'s Zoom app join it even ' +
            'with your sign-in (the app must be published on the Zoom App Marketplace for that). ' +
            `Ask whoever runs this service, or join with ${elsewhere}.`,
        };
      }
      return { hint: `This service can only join meetings of its own Zoom account. ${otherwise}` };
    case 4012: // Anonymous join refused: a ZAK or OBF token is needed.
      if (canSignIn) return { hint: 'This meeting admits only people signed in to Zoom. Sign in with Zoom, then press Join again.', signIn: true };
      if (signInOffered) return { hint: 'Zoom did not accept your sign-in for this meeting. Sign out, sign in with Zoom again, then press Join.' };
      return { hint: `This meeting admits only people signed in to Zoom, which this service cannot do. ${otherwise}` };
    case 4013: // No OBF token.
      if (canSignIn) return { hint: 'Zoom needs to know whom this service joins for. Sign in with Zoom, then press Join again.', signIn: true };
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
      return signInOffered
        ? { hint: 'Zoom says this join\'s credentials conflict with your Zoom sign-in. Sign out, sign in with Zoom again, then press Join.' }
        : { hint: `Zoom says this join's credentials conflict. Reload the page and try again; if it keeps failing, join with ${elsewhere}.` };
    case 4019: // The authorizing user left.
      return { hint: 'The Zoom user this service joined on behalf of left the meeting, so Zoom removed this one too. Once they are back in the meeting, press Join again.' };
    default:
      return null;
  }
}

/** What to do about a failure from Zoom: { hint, signIn }. */
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

function showJoinError(title, message, hint, { fatal = true, signIn = false } = {}) {
  // On a failure hide Zoom's own screen, so the form is usable again beneath the message.
  if (fatal) document.documentElement.classList.remove('sdk-active');
  $('join-error-title').textContent = title;
  $('join-error-message').textContent = message;
  $('join-error-hint').textContent = hint;
  $('join-error-sign-in').hidden = !signIn;
  $('join-error').hidden = false;
  (signIn ? $('join-error-sign-in') : $('join-error-close')).focus();
}

function showSdkError(stage, error) {
  const { code, message } = describeSdkError(error);
  const withCode = code === undefined || code === null ? message : `${message} (Zoom error code ${code})`;
  const { hint, signIn = false } = adviceFor(code, message);
  showJoinError(`Zoom could not ${stage}`, withCode, hint, { signIn });
  setStatus(`Zoom could not ${stage}.`);
}

function hideJoinError() {
  $('join-error').hidden = true;
}

// ---------------------------------------------------------------------------------------------
// The service.

// Signed in, the request asks for the person's ZAK ("userToken": "zak"), which the reply carries
// as `zak`; a host signature then needs no host key.
async function requestSignature(meetingNumber, role, hostKey, { zak = false } = {}) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (role === 1 && hostKey) headers.Authorization = `Bearer ${hostKey}`;
  const request = zak ? { meetingNumber, role, userToken: 'zak' } : { meetingNumber, role };
  let response;
  try {
    // Relative URL: the page may be served under a path prefix by a proxy.
    response = await fetch(new URL('signature', document.baseURI), {
      method: 'POST',
      headers,
      body: JSON.stringify(request),
      cache: 'no-store',
      signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
    });
  } catch (error) {
    const why = error?.name === 'TimeoutError' ? 'it did not answer in time' : 'the network request failed';
    throw new FormProblem('Could not get a signature', [
      { property: '$request', reason: `Could not reach the signature service (${why}). Check your connection and try again.` },
    ]);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON, e.g. a proxy's error page: reported below by its status.
  }
  if (response.ok && typeof body?.signature === 'string' && body.signature) return body;
  if (response.status === 401 && body?.errors?.[0]?.property === 'userToken') {
    // The session cookie is gone, or Zoom no longer accepts its token.
    signInEnded();
    throw new FormProblem('Your Zoom sign-in has ended', [
      { property: 'userToken', reason: 'Your Zoom sign-in has ended; sign in again with the "Sign in with Zoom" button.' },
    ]);
  }
  const title = response.status === 400 ? 'Please check the form' : 'The service refused to sign';
  const problems = Array.isArray(body?.errors) && body.errors.length
    ? body.errors.map((problem) => atHostKey(response.status, problem))
    : [{ property: '$request', reason: `The signature service answered HTTP ${response.status} ${response.statusText} without a signature.`.trim() }];
  throw new FormProblem(title, problems);
}

// A 401 about the role means the host key is missing or wrong: show it where the key is typed.
// A 403 about the role (host signatures turned off) stays at "Join as": no key would help.
function atHostKey(status, problem) {
  if (status === 401 && problem?.property === 'role' && hostKeyNeeded()) return { ...problem, property: 'hostKey' };
  return problem;
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

async function joinMeeting(ZoomMtg, options) {
  const wait = lastJoinAt + JOIN_SPACING_MS - Date.now();
  if (wait > 0) {
    setStatus(`Zoom allows one join every 10 seconds: trying again in ${Math.ceil(wait / 1000)} s…`);
    await sleep(wait);
  }
  lastJoinAt = Date.now();
  setStatus('Joining…');
  return new Promise((resolve, reject) => {
    ZoomMtg.join({ ...options, success: resolve, error: reject });
  });
}

// Zoom's client view cannot start twice in one page: once init() has run, a second init() or
// join() never answers. So a new attempt after that reloads the page, carrying the form's values
// (passcode included) in sessionStorage: they stay in this tab, are read once and deleted at once,
// and unlike a URL they do not end up in the browser's history. The host key is not among them:
// it is a longer-lived secret than a passcode, so after the reload the page asks for it again
// rather than write it anywhere.

let sdkSpent = false;

/** Keeps the form's values (KEPT_FIELDS only) in sessionStorage under key; false without storage. */
function saveValues(key, { values, ...rest }) {
  const kept = Object.fromEntries(KEPT_FIELDS.map((id) => [id, values[id]]));
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
  for (const id of KEPT_FIELDS) {
    const value = saved.values[id];
    if (typeof value === 'string' || typeof value === 'number') $(id).value = String(value);
  }
  syncHostKey();
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
  await accountKnown; // Signed in, a host needs no key.
  if (hostKeyNeeded()) {
    // The host key was not kept: ask for it, then the person presses Join.
    setStatus('Zoom was reloaded. Enter the host key again, then press Join.');
    $('hostKey').focus();
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
    role: hostPicked() ? 1 : 0,
  };
}

/** The host key, only while it is asked for; kept out of readForm's values (they may be saved). */
function readHostKey() {
  return hostKeyNeeded() ? $('hostKey').value.trim() : '';
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

function checkForm(values, hostKey) {
  const problems = [];
  // A header value cannot hold other characters (fetch would throw before sending anything).
  if (/[^\x20-\x7e]/.test(hostKey)) {
    problems.push({ property: 'hostKey', reason: 'A host key has only letters, digits and punctuation; check it for a stray character.' });
  }
  if (!values.userName) problems.push({ property: 'userName', reason: 'Enter your name; others in the meeting will see it.' });
  if (values.userEmail && !$('userEmail').checkValidity()) {
    problems.push({ property: 'userEmail', reason: 'Enter an email address like name@example.com, or leave it empty.' });
  }
  const registration = registrantToken(values.registrantToken);
  if (registration.problem) {
    problems.push({ property: 'registrantToken', reason: registration.problem });
  } else if (registration.tk && !values.userEmail) {
    problems.push({ property: 'userEmail', reason: 'Registration needs the email address you registered with; enter it.' });
  }
  return problems;
}

async function join() {
  await accountKnown; // Whether to ask for a ZAK, and for a host key.
  clearProblems();
  hideJoinError();
  const values = readForm();
  const hostKey = readHostKey();
  const problems = checkForm(values, hostKey);
  if (problems.length) {
    showProblems('Please check the form', problems);
    return;
  }
  if (sdkSpent) {
    retryInFreshPage(values);
    return;
  }

  let stage = 'load';
  try {
    setStatus('Getting a signature…');
    const signed = await requestSignature(values.meetingNumber, values.role, hostKey, { zak: signedIn() });

    setStatus('Loading Zoom…');
    const ZoomMtg = await prepareSdk();

    stage = 'start';
    setStatus('Starting Zoom…');
    document.documentElement.classList.add('sdk-active'); // Shows Zoom's full-screen client.
    sdkSpent = true;
    await initSdk(ZoomMtg);

    stage = 'join the meeting';
    const options = {
      signature: signed.signature,
      meetingNumber: signed.meetingNumber, // The service's normalised digits.
      userName: values.userName,
      userEmail: values.userEmail, // Registration needs it (checkForm made sure).
      passWord: values.passcode,
    };
    const { tk } = registrantToken(values.registrantToken);
    if (tk) options.tk = tk;
    if (typeof signed.zak === 'string' && signed.zak) options.zak = signed.zak; // Only when signed in.
    const joining = joinMeeting(ZoomMtg, options);
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
    setStatus('Joined.');
  } catch (error) {
    if (error instanceof FormProblem) {
      showProblems(error.message, error.problems);
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

$('role').addEventListener('change', syncHostKey);

prefill();
syncHostKey();
if (signInOffered) {
  $('sign-in').addEventListener('click', startSignIn);
  $('join-error-sign-in').addEventListener('click', startSignIn);
  $('sign-out').addEventListener('click', signOut);
  $('hostKey-hint').textContent =
    'Given by whoever runs this service. To start a meeting you host, sign in with Zoom instead: then no key is needed.';
  takeValues(SIGN_IN_KEY); // The form as it was before signing in.
  accountKnown = refreshAccount();
}
resumeRetry();
