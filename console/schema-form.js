// @ts-check
/**
 * A form generated from a JSON Schema (what zod's toJSONSchema makes): an object's properties
 * become labelled fields — text, number, checkbox, a list of choices — and anything the form
 * cannot express (nested arrays, unions) becomes a JSON text area for that field.
 */
import { h } from './dom.js';

/** @typedef {{ type?: string | string[], properties?: Record<string, Schema>, required?: string[], enum?: unknown[], const?: unknown,
 *   minimum?: number, maximum?: number, exclusiveMinimum?: number, exclusiveMaximum?: number, maxLength?: number, minLength?: number,
 *   description?: string, title?: string, format?: string, default?: unknown }} Schema */

/** @param {Schema} s */
function typeOf(s) {
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  if (Array.isArray(s.enum) && s.enum.every((v) => typeof v === 'string')) return 'enum';
  return t ?? 'json';
}

/**
 * @param {Schema | null | undefined} schema
 * @param {unknown} initial the values to start from
 * @param {string} prefix makes the fields' ids unique on the page
 * @returns {{ element: HTMLElement, read: () => unknown, onInput: (fn: () => void) => void }}
 */
export function schemaForm(schema, initial, prefix) {
  /** @type {(() => void)[]} */
  const listeners = [];
  const fire = () => listeners.forEach((fn) => fn());
  if (!schema || typeOf(schema) !== 'object' || !schema.properties) {
    const area = jsonArea(`${prefix}-json`, initial ?? {}, fire);
    return {
      element: h('div', { class: 'field' }, h('label', { for: `${prefix}-json` }, 'Value (JSON)'), area),
      read: () => parseJson(/** @type {HTMLTextAreaElement} */ (area).value, 'Value'),
      onInput: (fn) => listeners.push(fn),
    };
  }
  const start = initial !== null && typeof initial === 'object' ? /** @type {Record<string, unknown>} */ (initial) : {};
  const required = new Set(schema.required ?? []);
  /** @type {[string, () => unknown][]} */
  const readers = [];
  const fields = Object.entries(schema.properties).map(([name, prop]) => {
    const id = `${prefix}-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const { control, read } = fieldFor(id, name, prop, start[name], required.has(name), fire);
    readers.push([name, read]);
    const label = h('label', { for: id }, prop.title ?? name, required.has(name) ? null : h('span', { class: 'optional' }, ' (optional)'));
    const help = prop.description ? h('p', { class: 'help', id: `${id}-help` }, prop.description) : null;
    if (help) control.setAttribute('aria-describedby', `${id}-help`);
    return h('div', { class: typeOf(prop) === 'boolean' ? 'field check' : 'field' }, typeOf(prop) === 'boolean' ? [control, label] : [label, control], help);
  });
  return {
    element: h('div', { class: 'schema-form' }, fields),
    read: () => {
      /** @type {Record<string, unknown>} */
      const out = {};
      for (const [name, read] of readers) {
        const v = read();
        if (v !== undefined) out[name] = v;
      }
      return out;
    },
    onInput: (fn) => listeners.push(fn),
  };
}

/**
 * @param {string} id @param {string} name @param {Schema} prop @param {unknown} value @param {boolean} required @param {() => void} fire
 * @returns {{ control: HTMLElement, read: () => unknown }}
 */
function fieldFor(id, name, prop, value, required, fire) {
  const type = typeOf(prop);
  if (type === 'enum') {
    const select = /** @type {HTMLSelectElement} */ (h('select', { id, name, required, oninput: fire },
      required ? null : h('option', { value: '' }, '—'),
      (prop.enum ?? []).map((v) => h('option', { value: String(v), selected: v === value }, String(v)))));
    return { control: select, read: () => (select.value === '' ? undefined : select.value) };
  }
  if (type === 'boolean') {
    const box = /** @type {HTMLInputElement} */ (h('input', { id, name, type: 'checkbox', checked: value === true, oninput: fire }));
    return { control: box, read: () => box.checked };
  }
  if (type === 'integer' || type === 'number') {
    const min = prop.minimum ?? (prop.exclusiveMinimum !== undefined ? prop.exclusiveMinimum + (type === 'integer' ? 1 : 0) : undefined);
    const max = prop.maximum ?? (prop.exclusiveMaximum !== undefined ? prop.exclusiveMaximum - (type === 'integer' ? 1 : 0) : undefined);
    const input = /** @type {HTMLInputElement} */ (h('input', {
      id, name, type: 'number', inputmode: type === 'integer' ? 'numeric' : 'decimal', step: type === 'integer' ? '1' : 'any',
      min, max, required, value: typeof value === 'number' ? String(value) : '', oninput: fire,
    }));
    return {
      control: input,
      read: () => {
        if (input.value.trim() === '') {
          if (required) throw new Error(`${name} is required`);
          return undefined;
        }
        const n = Number(input.value);
        if (!Number.isFinite(n) || (type === 'integer' && !Number.isInteger(n))) throw new Error(`${name} must be ${type === 'integer' ? 'a whole number' : 'a number'}`);
        return n;
      },
    };
  }
  if (type === 'string') {
    const long = (prop.maxLength ?? 1000) > 200;
    const input = /** @type {HTMLInputElement} */ (h(long ? 'textarea' : 'input', {
      id, name, ...(long ? { rows: '3' } : { type: prop.format === 'email' ? 'email' : 'text' }), maxlength: prop.maxLength, required, oninput: fire,
    }));
    input.value = typeof value === 'string' ? value : '';
    return { control: input, read: () => (input.value === '' && !required ? undefined : input.value) };
  }
  const area = /** @type {HTMLTextAreaElement} */ (jsonArea(id, value, fire));
  return { control: area, read: () => (area.value.trim() === '' && !required ? undefined : parseJson(area.value, name)) };
}

/** @param {string} id @param {unknown} value @param {() => void} fire */
function jsonArea(id, value, fire) {
  const area = /** @type {HTMLTextAreaElement} */ (h('textarea', { id, rows: '6', spellcheck: 'false', class: 'mono', oninput: fire }));
  area.value = value === undefined ? '' : JSON.stringify(value, null, 2);
  return area;
}

/** @param {string} text @param {string} what */
function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
}

/**
 * The changes between two values, one level of object members deep then whole values (what a
 * reviewer's edits do to a proposal).
 * @param {unknown} before @param {unknown} after @param {string} [path]
 * @returns {{ path: string, from: unknown, to: unknown }[]}
 */
export function diff(before, after, path = '') {
  const isObj = (/** @type {unknown} */ v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const b = /** @type {Record<string, unknown>} */ (before);
    const a = /** @type {Record<string, unknown>} */ (after);
    return [...new Set([...Object.keys(b), ...Object.keys(a)])].flatMap((k) => diff(b[k], a[k], `${path}/${k}`));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path: path || '/', from: before, to: after }];
}

/** A diff as a list a screen reader reads in order. @param {{ path: string, from: unknown, to: unknown }[]} changes */
export function diffView(changes) {
  if (changes.length === 0) return h('p', { class: 'help' }, 'No changes: the proposal is approved as it is.');
  const show = (/** @type {unknown} */ v) => (v === undefined ? '(none)' : JSON.stringify(v));
  return h('ul', { class: 'diff' }, changes.map((c) => h('li', null,
    h('code', null, c.path), ': ', h('del', null, show(c.from)), ' → ', h('ins', null, show(c.to)))));
}
