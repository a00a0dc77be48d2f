/**
 * Notification templates: which parts a save sends. `PUT` replaces the
 * tenant's whole version of a template (a part left out falls back to the
 * built-in one), so a save sends the parts the tenant already customised
 * and the ones edited now, and leaves out those it asked to reset.
 */
import type { components } from '../api/schema';

export type TemplateView = components['schemas']['TemplateView'];
export type TemplateInput = components['schemas']['TemplateInput'];

export const PARTS = ['subject', 'text', 'html', 'sms'] as const;
export type Part = (typeof PARTS)[number];
export type PartValues = Record<Part, string>;

/** The server's limits on each part (characters). */
export const MAX_LENGTH: Record<Part, number> = { subject: 500, text: 100_000, html: 200_000, sms: 2000 };

export function partValues(v: TemplateView): PartValues {
  return { subject: v.subject, text: v.text, html: v.html, sms: v.sms };
}

/** Whether a part will be the tenant's after saving. */
export function isCustom(view: TemplateView, values: PartValues, reverted: Partial<Record<Part, boolean>>, part: Part): boolean {
  if (reverted[part]) return false;
  return view.overridden.includes(part) || values[part] !== view[part];
}

/**
 * The body of a save: every part that stays or becomes the tenant's.
 * `null` when no part would be left (the caller resets the template instead).
 */
export function templateBody(view: TemplateView, values: PartValues, reverted: Partial<Record<Part, boolean>>): TemplateInput | null {
  const body: TemplateInput = {};
  for (const p of PARTS) if (isCustom(view, values, reverted, p)) body[p] = values[p];
  return Object.keys(body).length ? body : null;
}

/** Whether saving would change anything. */
export function isDirty(view: TemplateView, values: PartValues, reverted: Partial<Record<Part, boolean>>): boolean {
  return PARTS.some((p) => values[p] !== view[p] || (!!reverted[p] && view.overridden.includes(p)));
}

/** Client-side checks of a part that will be sent: empty or over the limit. */
export function partProblem(values: PartValues, part: Part): 'v.required' | 'v.tooLong' | null {
  const v = values[part];
  if (!v.trim()) return 'v.required';
  if (v.length > MAX_LENGTH[part]) return 'v.tooLong';
  return null;
}

/** The variables a template may use (the server's sample data has each of them). */
export const VARIABLES: readonly string[] = [
  'subject',
  'tenant.name, tenant.brand_color, tenant.accent_color',
  'recipient.name, recipient.email',
  'event.id, event.title, event.venue, event.timezone',
  'session.id, session.title, session.venue, session.starts_at, session.ends_at',
  'order.id, order.total',
  'tickets[]: id, type, seat, cid — <img src="cid:{{ t.cid }}">',
  'registration.status, registration.waitlist_position',
  'refund.amount, refund.tickets',
  'resale.price',
  'announcement.subject, announcement.body',
  'endpoint.id, endpoint.url, endpoint.failing_since',
];
