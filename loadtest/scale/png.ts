/** PNG export of the report's charts with resvg (@resvg/resvg-js: Rust resvg, prebuilt binaries from npm). */
import { Resvg } from '@resvg/resvg-js';

/** Rasterizes one SVG document; the system fonts are used for the text (DejaVu Sans on Debian). */
export function svgToPng(svg: string, width = 720): Buffer {
  const r = new Resvg(svg, { fitTo: { mode: 'width', value: width }, background: '#ffffff', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
  return Buffer.from(r.render().asPng());
}
