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

/** The main content's text (its last 3,000 characters), for failure messages. */
export async function mainText(page) {
  return JSON.stringify((await page.evaluate(() => document.querySelector('main')?.innerText ?? '').catch(() => '')).slice(-3000));
}

/** Waits until the page's heading is `text`. */
export async function heading(page, text) {
  await page.waitForFunction((t) => document.querySelector('main h1')?.textContent === t, text);
}

/** Waits until `selector` shows `text`; else fails saying what it shows instead. */
export async function message(page, selector, text, timeout = 20_000) {
  try {
    await page.waitForFunction(([s, t]) => document.querySelector(s)?.textContent.includes(t), [selector, text], { timeout });
  } catch {
    const now = await page.evaluate((s) => document.querySelector(s)?.textContent, selector).catch(() => null);
    throw new Error(`waiting for "${text}" in ${selector}, which shows: ${JSON.stringify(now)}; main: ${await mainText(page)}`);
  }
}

/** Waits for `selector`; else fails showing the page's text. */
export async function shown(page, selector, timeout = 60_000) {
  try {
    await page.locator(selector).waitFor({ timeout });
  } catch {
    throw new Error(`waiting for ${selector}; main: ${await mainText(page)}`);
  }
}

/** Imports the dev account `name` (`//name`) into the wallet of the app at `app`. */
export async function importDev(page, app, name, password) {
  await page.goto(`${app}#/wallet`);
  await heading(page, 'Wallet');
  await page.selectOption('#import-dev', name);
  await page.fill('#import-password', password);
  await page.fill('#import-repeat', password);
  await page.click('#import-form button[type=submit]');
  await heading(page, `Wallet: ${name}`);
}
