// @ts-check
/**
 * The console's entry: who is signed in, the sign-in page, and the hash router
 * (`#/runs`, `#/runs/<id>`, `#/approvals` …) that hands the main region to one page.
 */
import { client, useCsrfToken, whenSignedOut, ApiError } from './api.js';
import { h, replace, announce } from './dom.js';
import { runsPage } from './pages/runs.js';
import { runPage } from './pages/run.js';
import { approvalsPage } from './pages/approvals.js';
import { inDoubtPage } from './pages/in-doubt.js';
import { deadLettersPage } from './pages/dead-letters.js';
import { costsPage } from './pages/costs.js';
import { workersPage } from './pages/workers.js';
import { schedulesPage } from './pages/schedules.js';
import { breakersPage } from './pages/breakers.js';

/** @typedef {import('./api.js').OperationResult<'getConsoleSession'>} Me */

/** @type {Record<string, (main: HTMLElement, arg: string | undefined, me: Me) => (void | (() => void) | Promise<void | (() => void)>)>} */
const PAGES = {
  runs: (main, id, me) => (id ? runPage(main, id) : runsPage(main, me)),
  approvals: (main) => approvalsPage(main),
  'in-doubt': (main) => inDoubtPage(main),
  'dead-letters': (main) => deadLettersPage(main),
  schedules: (main, _id, me) => schedulesPage(main, me),
  costs: (main) => costsPage(main),
  workers: (main) => workersPage(main),
  breakers: (main) => breakersPage(main),
};

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
/** @type {Me | null} */
let me = null;
/** @type {void | (() => void)} */
let leave;

async function start() {
  whenSignedOut(() => {
    me = null;
    showSignIn('Your session has ended. Sign in again.');
  });
  document.getElementById('sign-out')?.addEventListener('click', () => void signOut());
  window.addEventListener('hashchange', () => void route());
  try {
    me = await client.call('getConsoleSession');
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) announce(e instanceof Error ? e.message : String(e), 'error');
  }
  if (me) signedIn();
  else showSignIn();
}

function signedIn() {
  if (!me) return;
  useCsrfToken(me.csrfToken ?? '');
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  if (nav) nav.hidden = false;
  if (who) who.hidden = false;
  const name = document.getElementById('who-name');
  if (name) name.textContent = `${me.name} · tenant ${me.tenantId}`;
  void route();
}

/** @param {string} [message] */
function showSignIn(message) {
  navigation++; // a page still loading must not replace the sign-in form
  leave?.();
  leave = undefined;
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  if (nav) nav.hidden = true;
  if (who) who.hidden = true;
  document.title = 'Sign in · Waymark console';
  const key = h('input', { id: 'api-key', name: 'apiKey', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false', 'aria-describedby': 'api-key-help' });
  const error = h('p', { id: 'sign-in-error', class: 'error', role: 'alert' }, message ?? '');
  const form = h('form', { class: 'card sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title', tabindex: '-1' }, 'Sign in'),
    h('label', { for: 'api-key' }, 'API key'),
    key,
    h('p', { id: 'api-key-help', class: 'help' }, 'Paste an API key (wmk_…). `npm start` prints the local admin key. The key is exchanged for a session cookie and is not kept in the browser.'),
    error,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      try {
        me = await client.call('signInConsole', { body: { apiKey: /** @type {HTMLInputElement} */ (key).value.trim() } });
        /** @type {HTMLInputElement} */ (key).value = '';
        announce(`Signed in as ${me?.name ?? ''}`);
        // replaceState, not location.hash: a hashchange would route a second time.
        if (!location.hash || location.hash === '#/') window.history.replaceState(null, '', '#/runs');
        signedIn();
      } catch (err) {
        error.textContent = err instanceof Error ? err.message : String(err);
        key.focus();
      }
    })();
  });
  replace(main, form);
  key.focus();
}

async function signOut() {
  try {
    await client.call('signOutConsole');
  } finally {
    me = null;
    useCsrfToken('');
    announce('Signed out');
    showSignIn();
  }
}

/**
 * Counts navigations. A page renders into a container of its own that replaces the main region
 * only if no later navigation began meanwhile: two quick navigations (a sign-in that also sets
 * the address, a double click on the nav) must not leave the older page's view on screen, or its
 * refresh timer running.
 */
let navigation = 0;

async function route() {
  if (!me) return;
  const current = ++navigation;
  const [, section = 'runs', arg] = (location.hash.replace(/\?.*$/, '') || '#/runs').split('/');
  const page = PAGES[section] ?? PAGES.runs;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === `#/${section}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  leave?.();
  leave = undefined;
  replace(main, h('p', null, 'Loading…'));
  const view = h('div', { class: 'view' });
  try {
    const left = (await page?.(view, arg ? decodeURIComponent(arg) : undefined, me)) ?? undefined;
    if (current !== navigation) {
      left?.();
      return;
    }
    leave = left;
  } catch (e) {
    // The session ended during the page's requests: the sign-in page it shows stays.
    if (!me || current !== navigation) return;
    replace(view, h('h1', { tabindex: '-1' }, 'Something went wrong'), h('p', { class: 'error' }, e instanceof Error ? e.message : String(e)));
  }
  replace(main, view);
  const heading = main.querySelector('h1');
  if (heading) {
    document.title = `${heading.textContent} · Waymark console`;
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}

void start();
