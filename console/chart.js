// @ts-check
/**
 * A bar chart drawn as SVG by hand: one bar per group, labelled, with a text equivalent in the
 * figure's table (the chart itself is hidden from screen readers, which read the table).
 */

const SVG = 'http://www.w3.org/2000/svg';

/** @param {string} tag @param {Record<string, string | number>} attrs @param {string} [text] */
function el(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * @param {{ label: string, value: number }[]} bars
 * @param {(v: number) => string} format
 * @returns {SVGSVGElement}
 */
export function barChart(bars, format) {
  const width = 640;
  const barH = 22;
  const gap = 8;
  const labelW = 180;
  const valueW = 90;
  const height = Math.max(1, bars.length) * (barH + gap) + gap;
  const max = Math.max(0, ...bars.map((b) => b.value)) || 1;
  const svg = /** @type {SVGSVGElement} */ (/** @type {unknown} */ (el('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', 'aria-hidden': 'true', focusable: 'false' })));
  bars.forEach((b, i) => {
    const y = gap + i * (barH + gap);
    const w = Math.max(1, ((width - labelW - valueW) * b.value) / max);
    const label = b.label.length > 24 ? `${b.label.slice(0, 23)}…` : b.label;
    svg.appendChild(el('text', { x: labelW - 8, y: y + barH * 0.7, 'text-anchor': 'end', class: 'chart-label' }, label));
    svg.appendChild(el('rect', { x: labelW, y, width: w, height: barH, rx: 3, class: 'chart-bar' }));
    svg.appendChild(el('text', { x: labelW + w + 6, y: y + barH * 0.7, class: 'chart-value' }, format(b.value)));
  });
  return svg;
}
