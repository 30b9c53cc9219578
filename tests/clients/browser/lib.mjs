// What every browser script shares: Debian's Chromium launched headless through
// playwright-core (no browser download), guards that fail the run on any console error, page
// error or failed request, an axe-core check, and screenshots.

import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** A page whose console errors, page errors and failed requests are collected in `problems`. */
export async function guardedPage(browser, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.setDefaultTimeout(20_000);
  return { context, page, problems };
}

/** Runs axe-core on the page; throws on any serious or critical violation. */
export async function checkAccessibility(page, name) {
  // Evaluated through the DevTools protocol, which the page's content security policy (own
  // scripts only) does not govern; the app itself never runs injected code.
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    const detail = bad.map((v) => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('\n');
    throw new Error(`accessibility violations on ${name}:\n${detail}`);
  }
}

/** No horizontal scrolling: everything fits the viewport's width. */
export async function checkFitsWidth(page, name) {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
  if (scroll > width) throw new Error(`${name} is ${scroll} px wide in a ${width} px viewport`);
}

export async function screenshot(page, name) {
  await page.screenshot({ path: path.join(env('SCREENSHOTS'), `${name}.png`), fullPage: true });
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

export function checkProblems(problems) {
  if (problems.length) throw new Error(`the page reported problems:\n${problems.join('\n')}`);
}
