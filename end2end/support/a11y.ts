import AxeBuilder from '@axe-core/playwright';
import { expect, type BrowserContext, type Page } from '@playwright/test';

/** The UI's languages and themes, as their cookies name them. */
export const LANGS = ['en', 'zh-CN'] as const;
export const THEMES = ['light', 'dark'] as const;
export type Lang = (typeof LANGS)[number];
export type Theme = (typeof THEMES)[number] | 'system';

/**
 * Sets the `lang` and `theme` cookies as the header's switches do (`GET /lang/{code}`,
 * `GET /theme/{mode}`). Cookies ignore ports: this holds for every app on the host.
 */
export async function choose(context: BrowserContext, appUrl: string, lang: Lang, theme: Theme): Promise<void> {
  await context.addCookies([
    { name: 'lang', value: lang, url: appUrl, sameSite: 'Strict', httpOnly: true },
    { name: 'theme', value: theme, url: appUrl, sameSite: 'Strict', httpOnly: true },
  ]);
}

/**
 * Runs axe-core on the page as it is now and fails with every serious or critical violation:
 * the rule, what it wants, and the elements that break it (the first few of each).
 */
export async function expectNoSeriousViolations(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  // axe did look: contrast among the rules it could decide on this page.
  expect(results.passes.map((rule) => rule.id), `axe's passed rules on ${where}`).toContain('color-contrast');
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => {
      const nodes = violation.nodes
        .slice(0, 4)
        .map((node) => `    ${node.target.join(' ')}: ${node.failureSummary?.replace(/\s+/g, ' ') ?? ''}`)
        .join('\n');
      return `${violation.id} (${violation.impact}): ${violation.help}\n${nodes}`;
    });
  expect(serious, `serious or critical axe violations on ${where}`).toEqual([]);
}
