import { describe, expect, it } from 'vitest';
import { isCustom, isDirty, partProblem, templateBody, type TemplateView } from './templates';

const view: TemplateView = {
  name: 'order_confirmation',
  subject: 'Your tickets for {{ event.title }}',
  text: 'Hello {{ recipient.name }}',
  html: '<p>Hello</p>',
  sms: 'Tickets: {{ order.id }}',
  overridden: ['sms'],
  updated_at: '2030-01-01T00:00:00Z',
};
const values = { subject: view.subject, text: view.text, html: view.html, sms: view.sms };

describe('saving a template', () => {
  it('sends the parts already customised and the ones edited, not the built-in ones', () => {
    expect(templateBody(view, values, {})).toEqual({ sms: view.sms });
    expect(templateBody(view, { ...values, subject: 'Hi {{ recipient.name }}' }, {})).toEqual({
      subject: 'Hi {{ recipient.name }}',
      sms: view.sms,
    });
    expect(isCustom(view, values, {}, 'html')).toBe(false);
    expect(isCustom(view, values, {}, 'sms')).toBe(true);
  });

  it('leaves out the parts reset to built-in, and asks for a reset when none is left', () => {
    expect(templateBody(view, { ...values, html: '<b>x</b>' }, { sms: true })).toEqual({ html: '<b>x</b>' });
    expect(templateBody(view, values, { sms: true })).toBeNull();
  });

  it('knows when there is something to save', () => {
    expect(isDirty(view, values, {})).toBe(false);
    expect(isDirty(view, { ...values, text: 'x' }, {})).toBe(true);
    expect(isDirty(view, values, { sms: true })).toBe(true);
    // resetting a part that is built-in already changes nothing
    expect(isDirty(view, values, { html: true })).toBe(false);
  });

  it('checks a part before sending it', () => {
    expect(partProblem({ ...values, subject: '  ' }, 'subject')).toBe('v.required');
    expect(partProblem({ ...values, sms: 'x'.repeat(2001) }, 'sms')).toBe('v.tooLong');
    expect(partProblem(values, 'html')).toBeNull();
  });
});
