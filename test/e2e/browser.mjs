// SPDX-License-Identifier: BSD-3-Clause
// browser.mjs: one browser session for test_browser.py, run inside the UE's
// network namespace. Debian's chromium (/usr/bin/chromium) driven by
// playwright-core; no browser is downloaded.
//
//   node browser.mjs MODE URL ARTIFACTS_DIR PREFIX
//
// MODE "visit": open URL, follow what happens (redirects included), save a
//   screenshot PREFIX-1-landed.png.
// MODE "signup": the same, then on the page reached: choose a plan, fill
//   the sign-up form as a person would (labels and input types, no field
//   names known in advance), screenshot PREFIX-2-form.png, submit,
//   screenshot PREFIX-3-result.png.
// Prints one JSON object on stdout: every page reached (URL, status,
// title, text) and the redirect chain of each navigation. Assertions are
// test_browser.py's; this only reports, and fails (exit 1) when a step
// could not be done at all.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [mode, url, artifacts, prefix] = process.argv.slice(2);
if (!['visit', 'signup'].includes(mode) || !url || !artifacts || !prefix) {
	console.error('usage: node browser.mjs visit|signup URL ARTIFACTS_DIR PREFIX');
	process.exit(2);
}
const STEP_MS = 30000;

// Chromium's own background connections are off: this network has nothing
// for them, and they would cross the garden as noise.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--no-first-run', '--disable-background-networking',
	'--disable-component-update', '--disable-sync',
	'--disable-features=DnsOverHttps,AsyncDns,HttpsUpgrades'];
// The portal's TLS certificate is issued by the operator's test CA, which
// this fresh profile does not trust: GG_SPKI names the portal's key
// (base64 SHA-256 of its SubjectPublicKeyInfo), the only key whose
// certificate errors are let through; every other certificate is checked.
if (process.env.GG_SPKI)
	ARGS.push(`--ignore-certificate-errors-spki-list=${process.env.GG_SPKI}`);

function chain(response) {
	const out = [];
	if (!response)
		return out;
	let req = response.request();
	const seen = [];
	while (req) {
		seen.unshift(req);
		req = req.redirectedFrom();
	}
	for (const r of seen)
		out.push({ url: r.url(), method: r.method() });
	return out;
}

async function snapshot(page, response, name) {
	const file = join(artifacts, `${prefix}-${name}.png`);
	await page.screenshot({ path: file, fullPage: true });
	return {
		url: page.url(),
		status: response ? response.status() : null,
		title: await page.title(),
		text: (await page.locator('body').innerText()).slice(0, 4000),
		redirects: chain(response),
		screenshot: file,
	};
}

// A value a person would type, from what the field says it is.
function valueFor(kind, hint) {
	const h = hint.toLowerCase();
	if (kind === 'email' || h.includes('mail'))
		return 'alice@example.org';
	if (kind === 'tel' || h.includes('phone') || h.includes('tel'))
		return '+1 555 0100';
	if (h.includes('postal') || h.includes('zip'))
		return '12345';
	if (h.includes('first'))
		return 'Alice';
	if (h.includes('last') || h.includes('family') || h.includes('surname'))
		return 'Example';
	if (h.includes('name'))
		return 'Alice Example';
	if (h.includes('city') || h.includes('town'))
		return 'Springfield';
	if (h.includes('address') || h.includes('street'))
		return '1 Example Street';
	if (kind === 'number')
		return '1';
	return 'Alice';
}

async function fillForm(page) {
	const form = page.locator('form:has([type=submit]), form:has(button)').first();
	if (await form.count() === 0)
		throw new Error(`no form on ${page.url()}`);
	const filled = [];
	// Plans: the first choice of every radio group and select.
	const radios = form.locator('input[type=radio]');
	const groups = new Set();
	for (let i = 0; i < await radios.count(); i++) {
		const r = radios.nth(i);
		const name = await r.getAttribute('name');
		if (groups.has(name) || !(await r.isVisible()) || await r.isDisabled())
			continue;
		groups.add(name);
		await r.check();
		filled.push({ field: name, value: await r.getAttribute('value') });
	}
	const selects = form.locator('select');
	for (let i = 0; i < await selects.count(); i++) {
		const s = selects.nth(i);
		const values = await s.locator('option').evaluateAll(
			(os) => os.filter((o) => o.value && !o.disabled).map((o) => o.value));
		if (values.length) {
			await s.selectOption(values[0]);
			filled.push({ field: await s.getAttribute('name'), value: values[0] });
		}
	}
	const inputs = form.locator('input:not([type=hidden]):not([type=radio]):not([type=submit])' +
		':not([type=button]):not([type=checkbox]), textarea');
	for (let i = 0; i < await inputs.count(); i++) {
		const el = inputs.nth(i);
		if (!(await el.isVisible()) || !(await el.isEditable()) || (await el.inputValue()) !== '')
			continue;
		const kind = (await el.getAttribute('type')) || 'text';
		const id = await el.getAttribute('id');
		let hint = `${await el.getAttribute('name') || ''} ${id || ''} ` +
			`${await el.getAttribute('autocomplete') || ''} ${await el.getAttribute('placeholder') || ''}`;
		if (id) {
			const label = page.locator(`label[for="${id}"]`);
			if (await label.count())
				hint += ' ' + await label.first().innerText();
		}
		const v = valueFor(kind, hint);
		await el.fill(v);
		filled.push({ field: await el.getAttribute('name'), value: v });
	}
	// Terms and the like: a person ticks what is required.
	const boxes = form.locator('input[type=checkbox]');
	for (let i = 0; i < await boxes.count(); i++) {
		const b = boxes.nth(i);
		if (await b.isVisible() && await b.isEnabled()) {
			await b.check();
			filled.push({ field: await b.getAttribute('name'), value: 'on' });
		}
	}
	return { form, filled };
}

const userDataDir = mkdtempSync(join(tmpdir(), 'gg-chromium-'));
const result = { mode, url, pages: [], filled: [], console: [] };
let context;
let code = 0;
try {
	context = await chromium.launchPersistentContext(userDataDir, {
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ARGS,
		ignoreHTTPSErrors: false,
		viewport: { width: 1024, height: 768 },
		timeout: STEP_MS,
	});
	const page = context.pages()[0] || await context.newPage();
	page.setDefaultTimeout(STEP_MS);
	page.on('console', (m) => result.console.push(`${m.type()}: ${m.text()}`));
	const first = await page.goto(url, { waitUntil: 'load' });
	result.pages.push(await snapshot(page, first, '1-landed'));
	if (mode === 'signup') {
		// The landing page may come before the form: follow its sign-up link.
		if (await page.locator('form input, form select').count() === 0) {
			const link = page.locator('a[href*="signup"], a[href*="plans"]').first();
			if (await link.count()) {
				const [r] = await Promise.all([page.waitForNavigation(), link.click()]);
				result.pages.push(await snapshot(page, r, '1b-link'));
			}
		}
		const { form, filled } = await fillForm(page);
		result.filled = filled;
		result.pages.push(await snapshot(page, null, '2-form'));
		const submit = form.locator('[type=submit], button:not([type=button])').first();
		const [r] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
			submit.click()]);
		result.pages.push(await snapshot(page, r, '3-result'));
	}
} catch (e) {
	result.error = String(e && e.message ? e.message : e).slice(0, 2000);
	code = 1;
} finally {
	if (context)
		await context.close().catch(() => {});
	rmSync(userDataDir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(code);
