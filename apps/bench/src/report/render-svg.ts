/**
 * Renders a vega-lite spec to SVG text in Node. Vega's SVG renderer lays out text with estimated glyph
 * widths when no canvas is installed, so no native `canvas` package is needed.
 */
import type { TopLevelSpec } from 'vega-lite';

/** Fonts and sizes shared by every plot of the report. */
const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  view: { continuousWidth: 320, continuousHeight: 200 },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  title: { fontSize: 13, anchor: 'start' as const },
};

/** Compiles a vega-lite spec and renders it headless (`renderer: 'none'`) to a standalone SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // Loaded on first use: vega is ESM-only with a top-level await, which a CommonJS `require` cannot load.
  const [{ parse, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = compile({ ...spec, config: { ...CONFIG, ...spec.config } } as TopLevelSpec).spec;
  const view = new View(parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
