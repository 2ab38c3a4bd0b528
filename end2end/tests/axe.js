// axe-core in the page, for the accessibility checks of the browser suite.
const AxeBuilder = require('@axe-core/playwright').default;

/** axe-core's serious and critical violations on the page, one line each. Besides its
 * default rules: a control's accessible name must contain its visible text (WCAG
 * 2.5.3), an experimental rule that axe leaves off by default. */
async function seriousProblems(page) {
  const { violations } = await new AxeBuilder({ page })
    .options({ rules: { 'label-content-name-mismatch': { enabled: true } } })
    .analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

module.exports = { seriousProblems };
