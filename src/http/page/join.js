// Join page: asks this service for a Meeting SDK signature, then loads Zoom's Web SDK (client
// view, from Zoom's CDN) and joins with it. No SDK credential ever reaches the page, only a
// signature. The one secret the page handles is a host key the person types in: it goes only into
// the signature request's Authorization header, and is never put in a URL, stored or logged.
// Plain ES2020 with no build step; the page is served under a strict Content-Security-Policy, so
// everything here comes from this file (no inline script or style attributes).
'use strict';

const SDK_ORIGIN = 'https://source.zoom.us';
const VENDOR_SCRIPTS = ['react', 'react-dom', 'redux', 'redux-thunk', 'lodash'];
// Fields that can show a problem.
const FIELDS = ['meetingNumber', 'passcode', 'userName', 'userEmail', 'role', 'hostKey'];
// Fields a re-join carries across a reload (see retryInFreshPage): never the host key.
const KEPT_FIELDS = ['meetingNumber', 'passcode', 'userName', 'userEmail', 'role'];
const JOIN_SPACING_MS = 10_000; // Zoom: join() may be called at most once per 10 s.
const STEP_TIMEOUT_MS = 30_000; // A hung request, script or SDK step must end in a message.
const JOIN_TIMEOUT_MS = 60_000; // Joining can legitimately take a while (waiting rooms).
const RETRY_KEY = 'zoom-signer.retry';

const $ = (id) => document.getElementById(id);
const form = $('join-form');
const joinButton = $('join');
const sdkVersion = document.body.dataset.sdkVersion || '';
const demo = document.body.dataset.demo === 'true';

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
// The host key: asked for only while "Host" is picked. Picking "Participant" hides it and forgets
// what was typed, so it cannot be sent by mistake later.

const hostPicked = () => $('role').value === '1';

function syncHostKey() {
  const host = hostPicked();
  $('hostKey-field').hidden = !host;
  if (!host) {
    $('hostKey').value = '';
    setFieldError('hostKey', '');
  }
}

// ---------------------------------------------------------------------------------------------
// Prefill. Links may carry the values in the query string or in the fragment
// (#mn=…&pwd=…&name=…&email=…&role=…). The fragment wins and is the better place for a passcode:
// browsers never send it in a request, so it cannot end up in this server's, a proxy's or a
// referrer's logs.

function prefill() {
  const params = new URLSearchParams(location.search);
  for (const [key, value] of new URLSearchParams(location.hash.slice(1))) params.set(key, value);
  const ids = { mn: 'meetingNumber', pwd: 'passcode', name: 'userName', email: 'userEmail', role: 'role' };
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
    if (FIELDS.includes(property)) {
      byField.set(property, byField.has(property) ? `${byField.get(property)} ${text}` : text);
      // A link to the field (not a fragment change: the fragment may hold the prefill).
      const a = document.createElement('a');
      a.href = `#${property}`;
      a.textContent = text;
      a.addEventListener('click', (event) => {
        event.preventDefault();
        $(property).focus();
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

function hintFor(code, message) {
  if (code === 3712 || /signature/i.test(message)) {
    return demo
      ? 'This service runs in demo mode with throwaway credentials, so Zoom rejects its signatures.'
      : 'Zoom refused the signature. Check that the service uses Meeting SDK credentials and that its clock is right.';
  }
  if (/password|passcode/i.test(message)) return 'Check the passcode from the invitation.';
  return 'Go back to the form and press Join to try again.';
}

function showJoinError(title, message, hint, { fatal = true } = {}) {
  // On a failure hide Zoom's own screen, so the form is usable again beneath the message.
  if (fatal) document.documentElement.classList.remove('sdk-active');
  $('join-error-title').textContent = title;
  $('join-error-message').textContent = message;
  $('join-error-hint').textContent = hint;
  $('join-error').hidden = false;
  $('join-error-close').focus();
}

function showSdkError(stage, error) {
  const { code, message } = describeSdkError(error);
  const withCode = code === undefined || code === null ? message : `${message} (Zoom error code ${code})`;
  showJoinError(`Zoom could not ${stage}`, withCode, hintFor(code, message));
  setStatus(`Zoom could not ${stage}.`);
}

function hideJoinError() {
  $('join-error').hidden = true;
}

// ---------------------------------------------------------------------------------------------
// The service.

async function requestSignature(meetingNumber, role, hostKey) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (role === 1 && hostKey) headers.Authorization = `Bearer ${hostKey}`;
  let response;
  try {
    // Relative URL: the page may be served under a path prefix by a proxy.
    response = await fetch(new URL('signature', document.baseURI), {
      method: 'POST',
      headers,
      body: JSON.stringify({ meetingNumber, role }),
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
  const title = response.status === 400 ? 'Please check the form' : 'The service refused to sign';
  const problems = Array.isArray(body?.errors) && body.errors.length
    ? body.errors.map((problem) => atHostKey(response.status, problem))
    : [{ property: '$request', reason: `The signature service answered HTTP ${response.status} ${response.statusText} without a signature.`.trim() }];
  throw new FormProblem(title, problems);
}

// A 401 about the role means the host key is missing or wrong: show it where the key is typed.
// A 403 about the role (host signatures turned off) stays at "Join as": no key would help.
function atHostKey(status, problem) {
  if (status === 401 && problem?.property === 'role' && hostPicked()) return { ...problem, property: 'hostKey' };
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
    const lib = `${SDK_ORIGIN}/${sdkVersion}/lib`;
    for (const name of VENDOR_SCRIPTS) {
      await withTimeout(loadScript(`${lib}/vendor/${name}.min.js`), STEP_TIMEOUT_MS, `loading ${name}`);
    }
    const bundle = `${SDK_ORIGIN}/zoom-meeting-${sdkVersion}.min.js`;
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

function retryInFreshPage(values) {
  const kept = Object.fromEntries(KEPT_FIELDS.map((id) => [id, values[id]]));
  try {
    sessionStorage.setItem(RETRY_KEY, JSON.stringify({ values: kept, lastJoinAt }));
  } catch {
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

function resumeRetry() {
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(RETRY_KEY) || 'null');
    sessionStorage.removeItem(RETRY_KEY);
  } catch {
    return; // No storage: nothing was saved.
  }
  if (!saved?.values) return;
  for (const id of KEPT_FIELDS) {
    const value = saved.values[id];
    if (typeof value === 'string' || typeof value === 'number') $(id).value = String(value);
  }
  syncHostKey();
  lastJoinAt = Number(saved.lastJoinAt) || 0;
  if (hostPicked()) {
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
    role: hostPicked() ? 1 : 0,
  };
}

/** The host key, only while "Host" is picked; kept out of readForm's values (they may be saved). */
function readHostKey() {
  return hostPicked() ? $('hostKey').value.trim() : '';
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
  return problems;
}

async function join() {
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
    const signed = await requestSignature(values.meetingNumber, values.role, hostKey);

    setStatus('Loading Zoom…');
    const ZoomMtg = await prepareSdk();

    stage = 'start';
    setStatus('Starting Zoom…');
    document.documentElement.classList.add('sdk-active'); // Shows Zoom's full-screen client.
    sdkSpent = true;
    await initSdk(ZoomMtg);

    stage = 'join the meeting';
    const joining = joinMeeting(ZoomMtg, {
      signature: signed.signature,
      meetingNumber: signed.meetingNumber, // The service's normalised digits.
      userName: values.userName,
      userEmail: values.userEmail,
      passWord: values.passcode,
    });
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
resumeRetry();
