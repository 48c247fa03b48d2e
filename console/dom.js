// @ts-check
/**
 * Small DOM helpers. Text is always set as text (never parsed as HTML), so nothing the API
 * returns can inject markup or script.
 */

/**
 * Makes an element: h('a', { href: '#/runs' }, 'Runs').
 * Attributes starting with `on` take listeners; `class`, `for` and boolean attributes as usual.
 * @param {string} tag
 * @param {Record<string, any> | null} [attrs]
 * @param {...any} children strings, numbers, nodes, arrays of them; null and false are skipped
 * @returns {HTMLElement}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

/** @param {Node} el @param {any[]} children */
function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. @param {Element} el @param {...any} children */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** Announces a message to screen readers and shows it. @param {string} text @param {'info' | 'error'} [kind] */
export function announce(text, kind = 'info') {
  const s = document.getElementById('status');
  if (!s) return;
  s.className = `status ${kind}`;
  s.textContent = text;
}

/** A date-time, short and local. @param {string | null | undefined} iso */
export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** @param {number | null | undefined} n */
export function money(n) {
  return n === null || n === undefined ? '—' : n.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 6 });
}

/** A JSON value, pretty, in a scrollable block. @param {unknown} value @param {string} label */
export function json(value, label) {
  return h('pre', { class: 'json', tabindex: '0', 'aria-label': label }, value === undefined ? '—' : JSON.stringify(value, null, 2));
}

/** A coloured badge for a status or phase. @param {string} value */
export function badge(value) {
  return h('span', { class: `badge b-${String(value).toLowerCase().replace(/[^a-z0-9]+/g, '-')}` }, value);
}

/**
 * A table with a caption, column headers and rows.
 * @param {string} caption
 * @param {string[]} columns
 * @param {any[][]} rows cells: text or nodes
 */
export function table(caption, columns, rows) {
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: '0' },
    h('table', null,
      h('caption', null, caption),
      h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, rows.length === 0
        ? h('tr', null, h('td', { colspan: String(columns.length), class: 'empty' }, 'Nothing here.'))
        : rows.map((r) => h('tr', null, r.map((cell) => h('td', null, cell)))))));
}

/**
 * Asks for confirmation in a modal dialog (keyboard: Tab moves, Escape cancels). With `reason`,
 * the person must type a reason, which is returned.
 * @param {{ title: string, body: any, confirm: string, danger?: boolean, reason?: string, extra?: HTMLElement }} opts
 * @returns {Promise<false | { reason: string }>}
 */
export function confirmDialog(opts) {
  return new Promise((resolve) => {
    const reason = opts.reason ? h('textarea', { id: 'dialog-reason', required: true, rows: '3', maxlength: '2000' }) : null;
    const ok = h('button', { type: 'submit', class: opts.danger ? 'danger' : 'primary' }, opts.confirm);
    const cancel = h('button', { type: 'button' }, 'Cancel');
    const form = h('form', { method: 'dialog' },
      h('h2', { id: 'dialog-title' }, opts.title),
      h('div', { class: 'dialog-body' }, opts.body),
      opts.extra ?? null,
      reason ? h('label', { for: 'dialog-reason' }, opts.reason) : null,
      reason,
      h('div', { class: 'actions' }, cancel, ok));
    const dialog = /** @type {HTMLDialogElement} */ (h('dialog', { 'aria-labelledby': 'dialog-title' }, form));
    let answered = false;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (reason && !(/** @type {HTMLTextAreaElement} */ (reason)).value.trim()) {
        reason.focus();
        return;
      }
      answered = true;
      dialog.close();
      resolve({ reason: reason ? (/** @type {HTMLTextAreaElement} */ (reason)).value.trim() : '' });
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (!answered) resolve(false);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    (reason ?? cancel).focus();
  });
}

/** Runs an action, announcing success or the API's problem. @param {() => Promise<string>} fn */
export async function act(fn) {
  try {
    announce(await fn());
    return true;
  } catch (e) {
    announce(e instanceof Error ? e.message : String(e), 'error');
    return false;
  }
}
