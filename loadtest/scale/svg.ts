/**
 * Small SVG charts rendered as strings (no browser, no CDN): line charts with linear axes and
 * horizontal bar charts with a linear or log axis. Self-contained markup that works inline in HTML
 * and rasterizes with resvg.
 */

export interface Series {
  name: string;
  color: string;
  /** SVG stroke-dasharray, e.g. "6 3". */
  dash?: string;
  points: ReadonlyArray<readonly [number, number]>;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  width?: number;
  height?: number;
  /** Draw a dot at every point (for sparse series). */
  dots?: boolean;
}

export interface Bar {
  label: string;
  value: number;
  color: string;
  /** Text after the value, e.g. "msg/s". */
  note?: string;
}

export interface BarChart {
  title: string;
  xLabel: string;
  bars: readonly Bar[];
  log?: boolean;
  width?: number;
}

/** Colours that stay apart for the colour-blind (Okabe-Ito). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'] as const;

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A round number >= x from 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k (axis maxima and steps). */
export function niceCeil(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const exp = Math.floor(Math.log10(x));
  const base = 10 ** exp;
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * base >= x * (1 - 1e-12)) return m * base;
  return 10 * base;
}

/** Short axis text: 1200 -> 1.2k, 2500000 -> 2.5M. */
export function fmt(v: number): string {
  const a = Math.abs(v);
  const trim = (s: string) => s.replace(/\.0+$|(\.\d*?)0+$/, '$1');
  if (a >= 1e6) return `${trim((v / 1e6).toFixed(1))}M`;
  if (a >= 1e3) return `${trim((v / 1e3).toFixed(1))}k`;
  if (a >= 10 || v === 0) return String(Math.round(v));
  return trim(v.toFixed(2));
}

const FONT = 'font-family="DejaVu Sans, Arial, sans-serif"';

export function lineChart(c: LineChart): string {
  const W = c.width ?? 720;
  const H = c.height ?? 320;
  const L = 64;
  const R = 170;
  const T = 36;
  const B = 44;
  const pw = W - L - R;
  const ph = H - T - B;
  const all = c.series.flatMap((s) => s.points);
  const xLo = all.length ? Math.min(...all.map((p) => p[0])) : 0;
  const xMin = xLo >= 0 ? 0 : xLo;
  const xMaxRaw = all.length ? Math.max(...all.map((p) => p[0])) : 1;
  const xStep = niceCeil((Math.max(xMaxRaw, xMin + 1) - xMin) / 6);
  const xMax = xMin + Math.ceil((Math.max(xMaxRaw, xMin + 1) - xMin) / xStep) * xStep;
  const yMax = niceCeil(all.length ? Math.max(...all.map((p) => p[1])) : 1);
  const x = (v: number) => L + ((v - xMin) / (xMax - xMin)) * pw;
  const y = (v: number) => T + ph - (v / yMax) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${L}" y="20" font-size="14" font-weight="bold">${escapeXml(c.title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = (yMax * i) / 5;
    out.push(`<line x1="${L}" x2="${L + pw}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`);
  }
  for (let v = xMin; v <= xMax + xStep / 2; v += xStep) {
    out.push(`<text x="${x(v).toFixed(1)}" y="${T + ph + 16}" text-anchor="middle">${fmt(v)}</text>`);
  }
  out.push(`<line x1="${L}" x2="${L + pw}" y1="${T + ph}" y2="${T + ph}" stroke="#333"/><line x1="${L}" x2="${L}" y1="${T}" y2="${T + ph}" stroke="#333"/>`);
  out.push(`<text x="${L + pw / 2}" y="${H - 8}" text-anchor="middle">${escapeXml(c.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${T + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(c.yLabel)}</text>`);
  c.series.forEach((s, i) => {
    if (s.points.length > 0) {
      const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${x(p[0]).toFixed(1)} ${y(p[1]).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
      if (c.dots) for (const p of s.points) out.push(`<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    const ly = T + 6 + i * 18;
    out.push(`<line x1="${L + pw + 12}" x2="${L + pw + 36}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    out.push(`<text x="${L + pw + 42}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

export function barChart(c: BarChart): string {
  const W = c.width ?? 720;
  const rowH = 26;
  const L = 250;
  const R = 150;
  const T = 36;
  const B = 40;
  const H = T + B + rowH * c.bars.length;
  const pw = W - L - R;
  const maxV = Math.max(1, ...c.bars.map((b) => b.value));
  let scale: (v: number) => number;
  const ticks: number[] = [];
  if (c.log) {
    const lo = 0;
    const hi = Math.ceil(Math.log10(maxV));
    scale = (v) => (v <= 1 ? 0 : (Math.log10(v) - lo) / (hi - lo)) * pw;
    for (let e = lo; e <= hi; e++) ticks.push(10 ** e);
  } else {
    const top = niceCeil(maxV);
    scale = (v) => (v / top) * pw;
    for (let i = 0; i <= 5; i++) ticks.push((top * i) / 5);
  }
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(c.title)}</text>`);
  for (const t of ticks) {
    const tx = L + scale(t);
    out.push(`<line x1="${tx.toFixed(1)}" x2="${tx.toFixed(1)}" y1="${T}" y2="${T + rowH * c.bars.length}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${tx.toFixed(1)}" y="${T + rowH * c.bars.length + 14}" text-anchor="middle">${fmt(t)}</text>`);
  }
  c.bars.forEach((b, i) => {
    const by = T + i * rowH;
    const w = Math.max(1, scale(b.value));
    out.push(`<text x="${L - 8}" y="${by + rowH / 2 + 4}" text-anchor="end">${escapeXml(b.label)}</text>`);
    out.push(`<rect x="${L}" y="${by + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${b.color}"/>`);
    out.push(`<text x="${(L + w + 6).toFixed(1)}" y="${by + rowH / 2 + 4}">${escapeXml(`${fmt(b.value)}${b.note ? ` ${b.note}` : ''}`)}</text>`);
  });
  out.push(`<text x="${L + pw / 2}" y="${H - 8}" text-anchor="middle">${escapeXml(c.xLabel)}${c.log ? ' (log scale)' : ''}</text>`);
  out.push('</svg>');
  return out.join('\n');
}
