import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useTranslation } from 'react-i18next';
import type { components } from '../../api/schema';
import { fromLocalInput, toLocalInput } from '../../lib/format';
import { reportFormError } from '../../lib/forms';
import { SelectField, TextArea, TextField } from '../../components/ui';

type EventView = components['schemas']['EventView'];
export type EventInput = components['schemas']['EventInput'];

const TIMEZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return ['UTC', 'Europe/Madrid', 'America/Mexico_City'];
  }
})();

export const eventSchema = z
  .object({
    title: z.string().trim().min(1, 'v.required').max(200, 'v.tooLong'),
    description: z.string().max(10000, 'v.tooLong'),
    category: z
      .string()
      .trim()
      .min(1, 'v.required')
      .max(40, 'v.tooLong')
      .regex(/^[a-z0-9-]+$/, 'v.category'),
    venue: z.string().max(200, 'v.tooLong'),
    image_url: z.string().trim().refine((v) => v === '' || /^https?:\/\/\S+$/.test(v), 'v.url'),
    status: z.enum(['draft', 'published', 'cancelled']),
    starts_at: z.string().min(1, 'v.required'),
    ends_at: z.string().min(1, 'v.required'),
    timezone: z.string().trim().min(1, 'v.required'),
  })
  .refine((v) => !v.starts_at || !v.ends_at || new Date(v.ends_at) > new Date(v.starts_at), {
    path: ['ends_at'],
    message: 'v.endAfterStart',
  });
export type EventValues = z.infer<typeof eventSchema>;
const FIELDS = ['title', 'description', 'category', 'venue', 'image_url', 'status', 'starts_at', 'ends_at', 'timezone'];

export function toEventInput(v: EventValues): EventInput {
  return {
    title: v.title.trim(),
    description: v.description || null,
    category: v.category.trim(),
    venue: v.venue || null,
    image_url: v.image_url.trim() || null,
    status: v.status,
    starts_at: fromLocalInput(v.starts_at)!,
    ends_at: fromLocalInput(v.ends_at)!,
    timezone: v.timezone.trim(),
  };
}

export function EventForm({
  initial,
  onSubmit,
  submitLabel,
}: {
  initial?: EventView;
  onSubmit: (body: EventInput) => Promise<unknown>;
  submitLabel: string;
}) {
  const { t } = useTranslation();
  const form = useForm<EventValues>({
    resolver: zodResolver(eventSchema),
    defaultValues: {
      title: initial?.title ?? '',
      description: initial?.description ?? '',
      category: initial?.category ?? '',
      venue: initial?.venue ?? '',
      image_url: initial?.image_url ?? '',
      status: initial?.status ?? 'draft',
      starts_at: toLocalInput(initial?.starts_at),
      ends_at: toLocalInput(initial?.ends_at),
      timezone: initial?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
    },
  });
  const { register, formState } = form;
  const err = (k: keyof EventValues) => {
    const m = formState.errors[k]?.message;
    return m ? t(m, { defaultValue: m }) : undefined;
  };
  const submit = form.handleSubmit(async (v) => {
    try {
      await onSubmit(toEventInput(v));
    } catch (e) {
      reportFormError(e, form.setError, FIELDS);
    }
  });
  return (
    <form className="form grid-form" onSubmit={submit} noValidate>
      <TextField label={t('ev.title')} error={err('title')} {...register('title')} />
      <TextField label={t('ev.category')} hint={t('ev.categoryHint')} error={err('category')} {...register('category')} />
      <TextField label={t('ev.venue')} error={err('venue')} {...register('venue')} />
      <TextField label={t('ev.imageUrl')} type="url" error={err('image_url')} {...register('image_url')} />
      <TextField label={t('ev.startsAt')} type="datetime-local" error={err('starts_at')} {...register('starts_at')} />
      <TextField label={t('ev.endsAt')} type="datetime-local" error={err('ends_at')} {...register('ends_at')} />
      <TextField label={t('ev.timezone')} list="tz-list" error={err('timezone')} {...register('timezone')} />
      <datalist id="tz-list">
        {TIMEZONES.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      <SelectField label={t('ev.status')} error={err('status')} {...register('status')}>
        {(['draft', 'published', 'cancelled'] as const).map((s) => (
          <option key={s} value={s}>
            {t(`status.${s}`)}
          </option>
        ))}
      </SelectField>
      <div className="span-2">
        <TextArea label={t('ev.description')} rows={4} error={err('description')} {...register('description')} />
      </div>
      <div className="span-2 row">
        <button className="btn primary" type="submit" disabled={formState.isSubmitting}>
          {formState.isSubmitting ? t('common.working') : submitLabel}
        </button>
      </div>
    </form>
  );
}
