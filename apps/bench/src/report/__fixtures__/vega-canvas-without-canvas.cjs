/* global module */
/**
 * vega-canvas as it behaves in Node without the optional `canvas` package (the bench's setting): no
 * canvas, no image. The real module finds that out with a top-level await, which jest's CommonJS
 * runtime cannot load, so jest maps `vega-canvas` here (see jest.config.cjs).
 */
module.exports = { canvas: () => null, domCanvas: () => null, nodeCanvas: () => null, image: () => null };
