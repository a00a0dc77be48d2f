/**
 * The whole product in one journey, through the real UI in a real browser,
 * against a real server (see scripts/e2e.sh):
 *
 *  1. the platform admin onboards a tenant and its first admin (wizard);
 *  2. that admin creates an event, a date, a seated section with a seat map,
 *     a coupon, and puts the date on sale;
 *  3. two attendees open the date: when one reserves a seat the other sees it
 *     taken live (GraphQL subscription); the first applies the coupon, orders
 *     (pay at the door), the box office confirms the payment, and the ticket's
 *     QR shows in "My tickets";
 *  4. door staff made by the admin admits the ticket by its code, and a second
 *     scan answers "already used" with when and where; at another door the
 *     camera (Chromium's fake capture device filming the QR) scans it too;
 *  5. the admin sees the sale on the dashboard and the trail in the audit log;
 *  6. the storefront switches to Spanish (text, money, dates) and keeps it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  BASE_URL,
  actor,
  attributeIs,
  journey,
  launch,
  launchWithCamera,
  localInput,
  selectOptionContaining,
  showcase,
  tag,
  textContains,
  visible,
  waitFor,
  y4mOf,
} from './helpers.mjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const T = tag();
const tenant = { slug: `gala-${T}`, name: `Teatro Gala ${T}` };
const orgAdmin = { name: `Ana Admin ${T}`, email: `ana-${T}@e2e.example.com`, password: `Ana-pass-${T}-1` };
const buyer = { name: `Bea Buyer ${T}`, email: `bea-${T}@e2e.example.com`, password: `Bea-pass-${T}-1` };
const watcher = { name: `Carlos Watcher ${T}`, email: `carlos-${T}@e2e.example.com`, password: `Carlos-pass-${T}-1` };
const door = { name: `Dario Door ${T}`, email: `dario-${T}@e2e.example.com`, password: `Dario-pass-${T}-1` };
const event = { title: `Zarzuela Gala ${T}`, category: 'music', venue: 'Teatro Real' };
const session = { title: 'Opening night' };
const section = { name: 'Stalls', price: '40' };
const coupon = { code: `SAVE25${T}`.toUpperCase(), percent: '25' };
const SEAT = 'B3';
const GATE = 'North door';

const day = 24 * 3600 * 1000;
const startsAt = new Date(Math.ceil((Date.now() + 30 * day) / 3_600_000) * 3_600_000);
const endsAt = new Date(startsAt.getTime() + 3 * 3_600_000);

test('taquilla end to end', { timeout: 15 * 60_000 }, async (t) => {
  assert.ok(ADMIN_EMAIL && ADMIN_PASSWORD, 'E2E_ADMIN_EMAIL and E2E_ADMIN_PASSWORD must be set (scripts/e2e.sh does it)');
  const browser = await launch();
  const people = {};
  const step = journey(t, () => Object.values(people));
  const state = {};
  t.after(() => browser.close());

  await step('platform admin onboards a tenant with its first admin', async () => {
    const a = (people.platform = await actor(browser, 'platform-admin'));
    const page = a.page;
    await page.goto('/admin');
    await visible(page.getByRole('heading', { name: 'Platform admin login' }));
    await page.getByLabel('E-mail').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await visible(page.getByRole('heading', { name: 'Tenants' }));

    await page.getByRole('navigation', { name: 'Platform admin' }).getByRole('link', { name: 'Onboard a tenant' }).click();
    await visible(page.getByRole('heading', { name: 'Onboard a tenant' }));
    // Step 1: the organization. (The wizard keeps later steps in the DOM, hidden.)
    const shown = (l) => l.filter({ visible: true });
    await shown(page.getByLabel('Slug')).fill(tenant.slug);
    await shown(page.getByLabel('Name', { exact: true })).fill(tenant.name);
    await shown(page.getByLabel('Plan')).selectOption({ label: 'Standard' });
    await page.getByRole('button', { name: 'Next' }).click();
    // Step 2: the first tenant admin.
    await attributeIs(page.getByRole('listitem').filter({ hasText: 'First admin' }), 'aria-current', 'step');
    await shown(page.getByLabel('E-mail')).fill(orgAdmin.email);
    await shown(page.getByLabel('Name', { exact: true })).fill(orgAdmin.name);
    await shown(page.getByLabel('Password')).fill(orgAdmin.password);
    await page.getByRole('button', { name: 'Next' }).click();
    // Step 3: review, then create.
    await attributeIs(page.getByRole('listitem').filter({ hasText: 'Review' }), 'aria-current', 'step');
    await textContains(page.locator('dl.review'), [tenant.slug, tenant.name, 'Standard', orgAdmin.email]);
    await page.getByRole('button', { name: 'Create tenant' }).click();

    await visible(page.getByRole('heading', { name: tenant.name }));
    await textContains(page.getByRole('heading', { name: tenant.name }), 'Active');
    const row = page.getByRole('row').filter({ hasText: orgAdmin.email });
    await visible(row);
    assert.equal(await row.getByRole('combobox').inputValue(), 'tenant_admin', 'the first user is the tenant admin');
    // The tenant is listed.
    await page.getByRole('navigation', { name: 'Platform admin' }).getByRole('link', { name: 'Tenants' }).click();
    await visible(page.getByRole('link', { name: tenant.name }));
  });

  await step('tenant admin creates an event, a date, a seated section with its seat map, a coupon, and opens sales', async () => {
    const a = (people.orgAdmin = await actor(browser, 'tenant-admin'));
    const page = a.page;
    await page.goto(`/console/${tenant.slug}`);
    await visible(page.getByRole('heading', { name: 'Console login' }));
    await page.getByLabel('E-mail').fill(orgAdmin.email);
    await page.getByLabel('Password').fill(orgAdmin.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await visible(page.getByRole('heading', { name: 'Dashboard' }));
    const nav = page.getByRole('navigation', { name: 'Console' });

    // The event, as a draft, then published.
    await nav.getByRole('link', { name: 'Events' }).click();
    await page.getByRole('button', { name: 'New event' }).click();
    await page.getByLabel('Title').fill(event.title);
    await page.getByLabel('Category').fill(event.category);
    await page.getByLabel('Venue').fill(event.venue);
    await page.getByLabel('Starts').fill(localInput(startsAt));
    await page.getByLabel('Ends').fill(localInput(endsAt));
    assert.equal(await page.getByLabel('Time zone').inputValue(), 'Europe/Madrid', 'the time zone defaults to the browser’s');
    await page.getByLabel('Description').fill('An evening of zarzuela, end to end.');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const h1 = page.getByRole('heading', { level: 1 });
    await textContains(h1, [event.title, 'Draft']);
    state.eventPath = new URL(page.url()).pathname;
    await page.getByRole('button', { name: 'Publish' }).click();
    await textContains(h1, [event.title, 'Published']);

    // A date (session).
    await page.getByRole('button', { name: 'New date' }).click();
    await page.getByLabel('Title').fill(session.title);
    await page.getByLabel('Capacity').fill('100');
    await page.getByLabel('Starts').fill(localInput(startsAt));
    await page.getByLabel('Ends').fill(localInput(endsAt));
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('link', { name: session.title }).click();
    await textContains(h1, [session.title, 'Draft']);
    const sessionPath = new URL(page.url()).pathname;
    state.sessionId = sessionPath.split('/').pop();

    // A seated section (ticket type).
    await page.getByRole('button', { name: 'New section' }).click();
    await page.getByLabel('Name').fill(section.name);
    await page.getByLabel('Price').fill(section.price);
    assert.equal(await page.getByLabel('Currency').inputValue(), 'EUR');
    await page.getByLabel('Seated (with a seat map)').check();
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const ttRow = page.getByRole('row').filter({ hasText: section.name });
    await textContains(ttRow, [section.name, 'Seated', '€40.00']);

    // Its seat map: 3 rows of 6, one seat left out (a pillar), saved.
    await ttRow.getByRole('link', { name: 'Seat map' }).click();
    await visible(page.getByRole('heading', { name: `Seat map · ${section.name}` }));
    await page.getByLabel('Rows', { exact: true }).fill('3');
    await page.getByLabel('Seats per row').fill('6');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const map = page.getByRole('group', { name: 'Seat map' });
    await waitFor('18 seats in the editor', async () => (await map.getByRole('checkbox').count()) === 18);
    await map.getByRole('checkbox', { name: /^C6 ·/ }).click();
    await visible(map.getByRole('checkbox', { name: 'C6 · Left out' }));
    await textContains(page.locator('.sticky-bar'), '17 seats');
    const saved = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith(`/seats`));
    await page.getByRole('button', { name: 'Save seat map' }).click();
    assert.equal((await saved).status(), 200, 'the seat map is saved');
    // (Toasts such as "Seat map saved" vanish after a few seconds: the lasting
    // result — the section's capacity, below — is what is checked.)

    // Back to the date: the section's capacity comes from the map.
    await page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link', { name: 'Date' }).click();
    await textContains(page.getByRole('row').filter({ hasText: section.name }), /€40\.00\s*17\s*0\s*0\s*17/);

    // Sales open: draft → teaser → presale → on sale.
    for (const [to, shown] of [
      ['→ Teaser', 'Teaser'],
      ['→ Presale', 'Presale'],
      ['→ On sale', 'On sale'],
    ]) {
      await page.getByRole('button', { name: to }).click();
      await textContains(h1, [session.title, shown]);
    }

    // A coupon: 25 % off.
    await nav.getByRole('link', { name: 'Coupons' }).click();
    await page.getByRole('button', { name: 'New coupon' }).click();
    await page.getByLabel('Code').fill(coupon.code);
    await page.getByLabel('Description').fill('End-to-end discount');
    await page.getByLabel('Kind').selectOption({ label: 'Percentage' });
    await page.getByLabel('Percent off').fill(coupon.percent);
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await textContains(page.getByRole('row').filter({ hasText: new RegExp(coupon.code, 'i') }), [new RegExp(coupon.code, 'i'), '25%']);
  });

  await step('two attendees open the date; a reserved seat turns unavailable live for the other', async () => {
    const b = (people.buyer = await actor(browser, 'attendee-buyer'));
    const w = (people.watcher = await actor(browser, 'attendee-watcher'));

    // Both register on the storefront.
    for (const [who, p] of [
      [buyer, b.page],
      [watcher, w.page],
    ]) {
      await p.goto(`/t/${tenant.slug}`);
      await visible(p.getByRole('heading', { name: 'Upcoming events' }));
      await p.getByRole('link', { name: 'Log in' }).click();
      await p.getByRole('link', { name: 'Create account' }).click();
      await visible(p.getByRole('heading', { name: 'Create your account' }));
      await p.getByLabel('Name').fill(who.name);
      await p.getByLabel('E-mail').fill(who.email);
      await p.getByLabel('Password').fill(who.password);
      await p.getByRole('button', { name: 'Create account' }).click();
      await visible(p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My tickets' }));
      await visible(p.getByRole('heading', { name: 'Upcoming events' }));
    }

    // Each searches for the event and opens the date.
    await showcase(b.page, 'storefront');
    for (const p of [w.page, b.page]) {
      await p.getByRole('searchbox', { name: 'Search' }).fill('zarzuela');
      await waitFor('the search in the address', () => new URL(p.url()).searchParams.get('q') === 'zarzuela');
      await visible(p.getByText('1 event', { exact: true }));
      await p.getByRole('link', { name: event.title }).click();
      await visible(p.getByRole('heading', { name: event.title, level: 1 }));
      const card = p.getByRole('listitem').filter({ has: p.getByRole('heading', { name: session.title }) });
      await textContains(card, ['On sale', '€40.00', '17 left']);
      await card.getByRole('link', { name: 'Get tickets' }).click();
      await visible(p.getByRole('heading', { name: `${event.title} — ${session.title}` }));
      await visible(p.getByRole('group', { name: 'Seat map' }));
      // The live channel is up before anyone moves.
      await visible(p.getByText('● Live'));
    }
    state.storeSessionPath = new URL(b.page.url()).pathname;

    const seatOf = (p) => p.getByRole('group', { name: 'Seat map' }).locator(`[data-testid="seat-${SEAT}"]`);
    // Both see the seat free.
    for (const p of [w.page, b.page]) {
      await attributeIs(seatOf(p), 'aria-label', `${SEAT} · ${section.name} · Available`);
      assert.equal(await seatOf(p).getAttribute('role'), 'checkbox');
    }
    // The left-out seat is not on the public map.
    assert.equal(await b.page.locator('[data-testid="seat-C6"]').count(), 0);

    // The buyer picks the seat and reserves it.
    await b.page.getByRole('checkbox', { name: `${SEAT} · ${section.name} · Available` }).click();
    await attributeIs(seatOf(b.page), 'aria-checked', 'true');
    await textContains(b.page.locator('.sticky-bar'), '1 ticket · €40.00');
    await b.page.getByRole('button', { name: 'Reserve' }).click();
    const hold = b.page.getByRole('region', { name: 'Reserved for you' });
    await textContains(hold, `${section.name} · ${SEAT}`);

    // The watcher, without reloading, sees the seat taken.
    await attributeIs(seatOf(w.page), 'aria-label', `${SEAT} · ${section.name} · Held`, 20_000);
    assert.equal(await seatOf(w.page).getAttribute('data-state'), 'taken');
    assert.equal(await seatOf(w.page).getAttribute('role'), 'img', 'a taken seat cannot be chosen');
    await textContains(w.page.getByRole('row').filter({ hasText: section.name }), '16 of 17');
    await showcase(w.page, 'seat-map');
  });

  await step('the buyer applies the coupon, orders to pay at the door; the box office confirms the payment', async () => {
    const p = people.buyer.page;
    await p.getByRole('region', { name: 'Reserved for you' }).getByRole('button', { name: 'Checkout' }).click();
    await visible(p.getByRole('heading', { name: 'Checkout', level: 1 }));
    const summary = p.locator('section').filter({ has: p.getByRole('heading', { name: 'Summary' }) });
    await textContains(summary, [section.name, 'Subtotal', '€40.00', 'Total']);
    assert.ok(!(await summary.innerText()).includes('Discount'), 'no discount before the coupon');

    await p.getByLabel('Coupon code').fill(coupon.code.toLowerCase());
    await p.getByRole('button', { name: 'Apply' }).click();
    await textContains(summary, ['Discount', new RegExp(coupon.code, 'i'), '−€10.00', /Total\s*€30\.00/]);
    await textContains(p.getByRole('heading', { name: 'Payment' }).locator('..'), 'Pay at the door');

    await p.getByRole('button', { name: 'Place order €30.00' }).click();
    await visible(p.getByRole('heading', { name: 'Your order' }));
    await visible(p.getByText('Pending payment'));
    await visible(p.getByRole('heading', { name: 'Pay at the door' }));
    await textContains(p.locator('main'), ['€30.00', 'You saved €10.00']);
    const orderId = (await p.locator('main code').first().innerText()).trim();
    assert.match(orderId, /^[0-9a-f-]{36}$/, 'the order number is shown');
    state.orderId = orderId;

    // The box office (tenant admin) finds the order by its number and confirms the payment.
    const o = people.orgAdmin.page;
    await o.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Orders' }).click();
    await o.getByLabel('Order number').fill(orderId);
    await o.getByRole('button', { name: 'Find' }).click();
    const panel = o.locator('section').filter({ hasText: orderId });
    await textContains(panel, ['Pending payment', '€30.00', 'manual']);
    await panel.getByRole('button', { name: 'Confirm payment' }).click();
    await textContains(panel, ['Paid']);

    // The buyer's order page shows it paid with its QR once reloaded.
    await p.reload();
    await visible(p.getByRole('heading', { name: 'Thank you!' }));
    await visible(p.getByRole('img', { name: 'QR code of ticket 1' }));
  });

  await step('the buyer logs out and in again; the ticket and its QR are in “My tickets”', async () => {
    const p = people.buyer.page;
    await p.getByRole('button', { name: 'Log out' }).click();
    await visible(p.getByRole('heading', { name: 'Upcoming events' }));
    assert.equal(await p.getByRole('link', { name: 'My tickets' }).count(), 0, 'logged out');
    await p.getByRole('link', { name: 'Log in' }).click();
    await visible(p.getByRole('heading', { name: 'Log in' }));
    await p.getByLabel('E-mail').fill(buyer.email);
    await p.getByLabel('Password').fill(buyer.password);
    await p.getByRole('button', { name: 'Log in' }).click();
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My tickets' }).click();
    await visible(p.getByRole('heading', { name: 'My tickets' }));
    const card = p.getByRole('listitem').filter({ hasText: event.title });
    await textContains(card, [event.title, 'Active', session.title, `${section.name} · Seat ${SEAT}`]);
    const qr = card.getByRole('img', { name: `QR code for ${event.title}` });
    await visible(qr);
    await waitFor('the QR image to load', () => qr.evaluate((img) => img.complete && img.naturalWidth > 0));
    await card.getByText('Ticket code').click();
    const code = (await (await visible(card.locator('code'))).innerText()).trim();
    assert.ok(code.length > 20, `a ticket code is shown (${code})`);
    state.ticketCode = code;
  });

  await step('door staff made by the admin admits the ticket, then a second scan is refused as already used', async () => {
    // The admin makes the door staff account on the users page.
    const o = people.orgAdmin.page;
    await o.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Users' }).click();
    await o.getByRole('button', { name: 'New user' }).click();
    const form = o.getByRole('form', { name: 'New user' });
    await form.getByLabel('Name').fill(door.name);
    await form.getByLabel('E-mail').fill(door.email);
    await form.getByLabel('Password').fill(door.password);
    await form.getByLabel('Role').selectOption({ label: 'Door staff' });
    await form.getByRole('button', { name: 'Create' }).click();
    const row = o.getByRole('row').filter({ hasText: door.email });
    await visible(row);
    assert.equal(await row.getByRole('combobox').inputValue(), 'staff');

    // The door staff logs in to the console: only the pages of the role.
    const d = (people.door = await actor(browser, 'door-staff'));
    const p = d.page;
    await p.goto(`/console/${tenant.slug}`);
    await p.getByLabel('E-mail').fill(door.email);
    await p.getByLabel('Password').fill(door.password);
    await p.getByRole('button', { name: 'Log in' }).click();
    const nav = p.getByRole('navigation', { name: 'Console' });
    await visible(nav.getByRole('link', { name: 'Check-in' }));
    assert.equal(await nav.getByRole('link', { name: 'Users' }).count(), 0, 'door staff does not manage users');
    await nav.getByRole('link', { name: 'Check-in' }).click();
    await visible(p.getByRole('heading', { name: 'Check-in' }));

    await p.getByLabel('Gate').fill(GATE);
    await selectOptionContaining(p.getByLabel('Event', { exact: true }), event.title);
    await selectOptionContaining(p.getByLabel('Date', { exact: true }), session.title);
    // No camera headless: the code is typed.
    await p.getByLabel('Ticket code').fill(state.ticketCode);
    await p.getByRole('button', { name: 'Check in' }).click();
    const admitted = p.getByRole('alert').filter({ hasText: 'ADMITTED' });
    await textContains(admitted, ['ADMITTED', buyer.name, section.name, `Seat ${SEAT}`]);
    assert.match(await admitted.getAttribute('class'), /verdict-ok/);
    const bg = await admitted.evaluate((el) => getComputedStyle(el).backgroundColor);
    const [r, g, bl] = bg.match(/\d+/g).map(Number);
    assert.ok(g > r && g > bl, `the verdict is green (${bg})`);
    await textContains(p.locator('.checkin'), '1 admitted at this device');

    // The same code again.
    await p.getByLabel('Ticket code').fill(state.ticketCode);
    await p.getByRole('button', { name: 'Check in' }).click();
    const used = p.getByRole('alert').filter({ hasText: 'ALREADY USED' });
    // When (a date and a time, not "—") and where the ticket was first used, and by whom.
    await textContains(used, ['ALREADY USED', /Checked in \w{3} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s?[AP]M at gate North door/, `by ${door.name}`]);
    assert.match(await used.getAttribute('class'), /verdict-no/);
    await showcase(p, 'check-in');
  });

  await step('at another door, the camera films the ticket’s QR: scanned, and refused as already used', async () => {
    // The QR as the buyer's "My tickets" shows it, filmed by a fake camera.
    const b = people.buyer.page;
    await b.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My tickets' }).click();
    const qr = b.getByRole('listitem').filter({ hasText: event.title }).getByRole('img', { name: `QR code for ${event.title}` });
    await waitFor('the QR image to load', () => qr.evaluate((img) => img.complete && img.naturalWidth > 0));
    const [W, H] = [640, 480];
    const gray = await qr.evaluate(
      (img, [w, h]) => {
        const c = document.createElement('canvas');
        c.width = w;
        c.height = h;
        const g = c.getContext('2d');
        g.fillStyle = '#fff';
        g.fillRect(0, 0, w, h);
        g.imageSmoothingEnabled = false;
        // Well inside the scanner's region (the middle two thirds), with a quiet zone.
        g.drawImage(img, (w - 280) / 2, (h - 280) / 2, 280, 280);
        const px = g.getImageData(0, 0, w, h).data;
        const out = new Array(w * h);
        for (let i = 0; i < w * h; i++) out[i] = Math.round((px[4 * i] + px[4 * i + 1] + px[4 * i + 2]) / 3);
        return out;
      },
      [W, H],
    );
    const y4m = join(mkdtempSync(join(tmpdir(), 'taquilla-e2e-cam-')), 'qr.y4m');
    writeFileSync(y4m, y4mOf(gray, W, H));

    const camBrowser = await launchWithCamera(y4m);
    t.after(() => camBrowser.close());
    const d = (people.door2 = await actor(camBrowser, 'door-staff-camera'));
    await d.context.grantPermissions(['camera']);
    const p = d.page;
    await p.goto(`/console/${tenant.slug}`);
    await p.getByLabel('E-mail').fill(door.email);
    await p.getByLabel('Password').fill(door.password);
    await p.getByRole('button', { name: 'Log in' }).click();
    await p.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Check-in' }).click();
    await p.getByLabel('Gate').fill('South door');
    await selectOptionContaining(p.getByLabel('Event', { exact: true }), event.title);
    await selectOptionContaining(p.getByLabel('Date', { exact: true }), session.title);
    await p.getByRole('button', { name: 'Scan with camera' }).click();
    // Decoded from the video, sent to the server, answered: used at the North door.
    const used = p.getByRole('alert').filter({ hasText: 'ALREADY USED' });
    await textContains(used, ['ALREADY USED', `at gate ${GATE}`, `by ${door.name}`], 45_000);
    await p.getByRole('button', { name: 'Stop camera' }).click();
  });

  await step('the admin sees the sale on the dashboard and the trail in the audit log', async () => {
    const o = people.orgAdmin.page;
    const nav = o.getByRole('navigation', { name: 'Console' });
    await nav.getByRole('link', { name: 'Dashboard' }).click();
    await visible(o.getByRole('heading', { name: 'Dashboard' }));
    await selectOptionContaining(o.getByLabel('Event', { exact: true }), event.title);
    await selectOptionContaining(o.getByLabel('Date', { exact: true }), session.title);
    const stat = (name) => o.getByRole('group', { name, exact: true });
    await textContains(stat('Sold'), /^\s*1\b/);
    await textContains(stat('Capacity'), /^\s*17\b/);
    await textContains(stat('Checked in'), /^\s*1\b/);
    await textContains(stat('Revenue (face value)'), '€40.00');
    // The sales report: what was paid (after the coupon), and the event on top.
    await textContains(stat('Revenue (30 days)'), '€30.00');
    await textContains(stat('Tickets (30 days)'), /^\s*1\b/);
    await visible(o.getByRole('heading', { name: 'Sales over time' }));
    await showcase(o, 'dashboard');
    await textContains(o.locator('.top-events li').first(), event.title);
    await visible(o.getByRole('heading', { name: 'Coupon uses' }));

    await nav.getByRole('link', { name: 'Audit log' }).click();
    await visible(o.getByRole('heading', { name: 'Audit log' }));
    const table = o.getByRole('table');
    const entry = (action, status) =>
      table
        .getByRole('row')
        .filter({ has: o.getByText(action, { exact: true }) })
        .filter({ has: o.getByText(String(status), { exact: true }) });
    for (const [action, status] of [
      ['POST /api/v1/events', 201],
      ['POST /api/v1/coupons', 201],
      ['PUT /api/v1/ticket-types/{id}/seats', 200],
      ['POST /api/v1/holds', 201],
      ['POST /api/v1/orders', 201],
      ['POST /api/v1/orders/{id}/pay', 200],
      ['POST /api/v1/users', 201],
      ['POST /api/v1/checkin', 200],
      ['POST /api/v1/checkin', 409],
    ]) {
      await visible(entry(action, status));
    }
    await o.getByRole('button', { name: 'Verify hash chain' }).click();
    await visible(o.getByText(/^Chain intact:/));
  });

  await step('the storefront speaks Spanish on request, and remembers it', async () => {
    const p = people.watcher.page;
    await p.goto(`/t/${tenant.slug}`);
    await visible(p.getByRole('heading', { name: 'Upcoming events' }));
    await p.getByRole('combobox', { name: 'Language' }).selectOption('es');
    await visible(p.getByRole('heading', { name: 'Próximos eventos' }));
    await visible(p.getByRole('navigation', { name: 'Principal' }).getByRole('link', { name: 'Mis entradas' }));
    assert.equal(await p.evaluate(() => document.documentElement.lang), 'es');
    // Prices and dates follow the language too.
    await p.getByRole('link', { name: event.title }).click();
    await textContains(p.getByRole('listitem').filter({ has: p.getByRole('heading', { name: session.title }) }), [
      'A la venta',
      /40,00\s?€/,
    ]);
    await p.reload();
    await visible(p.getByRole('heading', { name: event.title, level: 1 }));
    await visible(p.getByRole('combobox', { name: 'Idioma' }));
  });

  for (const a of Object.values(people)) {
    const errors = a.consoleErrors.filter((e) => !/Failed to load resource|status of 40[49]/.test(e));
    if (errors.length) t.diagnostic(`browser errors of ${a.name}: ${errors.join(' | ')}`);
  }
  console.error(`e2e: journey done against ${BASE_URL}`);
});
