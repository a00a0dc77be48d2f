import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useTranslation } from 'react-i18next';
import type { components } from '../../api/schema';
import { fromLocalInput, toLocalInput, toMajor, toMinor } from '../../lib/format';
import { reportFormError } from '../../lib/forms';
import { TextField } from '../../components/ui';

type TicketTypeView = components['schemas']['TicketTypeView'];
export type TicketTypeInput = components['schemas']['TicketTypeInput'];

const optInt = z
  .string()
  .trim()
  .refine((v) => v === '' || /^\d+$/.test(v), 'v.integer');

const schema = z
  .object({
    name: z.string().trim().min(1, 'v.required').max(120, 'v.tooLong'),
    price: z.coerce.number<number>().min(0, 'v.min0'),
    currency: z.string().trim().regex(/^[A-Za-z]{3}$/, 'v.currency'),
    capacity: z.coerce.number<number>().int('v.integer').min(0, 'v.min0'),
    seated: z.boolean(),
    min_per_order: optInt,
    max_per_order: optInt,
    sales_opens_at: z.string(),
    sales_closes_at: z.string(),
  })
  .refine((v) => !v.min_per_order || !v.max_per_order || Number(v.min_per_order) <= Number(v.max_per_order), {
    path: ['max_per_order'],
    message: 'v.maxBelowMin',
  });
type Values = z.infer<typeof schema>;

const FIELDS = ['name', 'price', 'currency', 'capacity', 'seated', 'min_per_order', 'max_per_order', 'sales_opens_at', 'sales_closes_at'];

export function TicketTypeForm({
  initial,
  onSubmit,
  submitLabel,
}: {
  initial?: TicketTypeView;
  onSubmit: (body: TicketTypeInput) => Promise<unknown>;
  submitLabel: string;
}) {
  const { t } = useTranslation();
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: {
      name: initial?.name ?? '',
      price: initial ? toMajor(initial.price_minor, initial.currency) : 0,
      currency: initial?.currency ?? 'EUR',
      capacity: initial?.capacity ?? 100,
      seated: initial?.seated ?? false,
      min_per_order: initial ? String(initial.min_per_order) : '',
      max_per_order: initial ? String(initial.max_per_order) : '',
      sales_opens_at: toLocalInput(initial?.sales_opens_at),
      sales_closes_at: toLocalInput(initial?.sales_closes_at),
    },
  });
  const err = (k: keyof Values) => {
    const m = form.formState.errors[k]?.message;
    return m ? t(m, { defaultValue: m }) : undefined;
  };
  const submit = form.handleSubmit(async (v) => {
    const currency = v.currency.toUpperCase();
    try {
      await onSubmit({
        name: v.name.trim(),
        price_minor: toMinor(v.price, currency),
        currency,
        capacity: v.capacity,
        seated: v.seated,
        min_per_order: v.min_per_order ? Number(v.min_per_order) : null,
        max_per_order: v.max_per_order ? Number(v.max_per_order) : null,
        sales_opens_at: fromLocalInput(v.sales_opens_at),
        sales_closes_at: fromLocalInput(v.sales_closes_at),
      });
      if (!initial) form.reset();
    } catch (e) {
      reportFormError(e, form.setError, FIELDS, { price_minor: 'price' });
    }
  });
  return (
    <form className="form grid-form" onSubmit={submit} noValidate>
      <TextField label={t('tt.name')} error={err('name')} {...form.register('name')} />
      <TextField label={t('tt.price')} type="number" step="0.01" min={0} error={err('price')} {...form.register('price')} />
      <TextField label={t('tt.currency')} maxLength={3} disabled={!!initial} error={err('currency')} {...form.register('currency')} />
      <TextField label={t('ses.capacity')} type="number" min={0} hint={initial?.seated ? t('tt.seatedCapacity') : undefined} error={err('capacity')} {...form.register('capacity')} />
      <TextField label={t('tt.minPerOrder')} type="number" min={1} error={err('min_per_order')} {...form.register('min_per_order')} />
      <TextField label={t('tt.maxPerOrder')} type="number" min={1} error={err('max_per_order')} {...form.register('max_per_order')} />
      <TextField label={t('tt.salesOpen')} type="datetime-local" error={err('sales_opens_at')} {...form.register('sales_opens_at')} />
      <TextField label={t('tt.salesClose')} type="datetime-local" error={err('sales_closes_at')} {...form.register('sales_closes_at')} />
      {!initial && (
        <label className="checkbox span-2">
          <input type="checkbox" {...form.register('seated')} /> {t('tt.seated')}
        </label>
      )}
      <div className="span-2 row">
        <button className="btn primary" type="submit" disabled={form.formState.isSubmitting}>
          {form.formState.isSubmitting ? t('common.working') : submitLabel}
        </button>
      </div>
    </form>
  );
}
