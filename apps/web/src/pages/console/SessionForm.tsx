import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useTranslation } from 'react-i18next';
import type { components } from '../../api/schema';
import { fromLocalInput, toLocalInput } from '../../lib/format';
import { reportFormError } from '../../lib/forms';
import { TextField } from '../../components/ui';

type SessionView = components['schemas']['SessionView'];
export type SessionPatch = components['schemas']['SessionPatch'];

const schema = z
  .object({
    title: z.string().trim().min(1, 'v.required').max(200, 'v.tooLong'),
    presenter: z.string().max(200, 'v.tooLong'),
    venue: z.string().max(200, 'v.tooLong'),
    starts_at: z.string().min(1, 'v.required'),
    ends_at: z.string().min(1, 'v.required'),
    capacity: z.coerce.number<number>().int('v.integer').min(0, 'v.min0').max(1_000_000, 'v.tooBig'),
  })
  .refine((v) => new Date(v.ends_at) > new Date(v.starts_at), { path: ['ends_at'], message: 'v.endAfterStart' });
type Values = z.infer<typeof schema>;

export function SessionForm({
  initial,
  onSubmit,
  submitLabel,
}: {
  initial?: SessionView;
  onSubmit: (body: { title: string; presenter: string | null; venue: string | null; starts_at: string; ends_at: string; capacity: number }) => Promise<unknown>;
  submitLabel: string;
}) {
  const { t } = useTranslation();
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: {
      title: initial?.title ?? '',
      presenter: initial?.presenter ?? '',
      venue: initial?.venue ?? '',
      starts_at: toLocalInput(initial?.starts_at),
      ends_at: toLocalInput(initial?.ends_at),
      capacity: initial?.capacity ?? 100,
    },
  });
  const err = (k: keyof Values) => {
    const m = form.formState.errors[k]?.message;
    return m ? t(m, { defaultValue: m }) : undefined;
  };
  const submit = form.handleSubmit(async (v) => {
    try {
      await onSubmit({
        title: v.title.trim(),
        presenter: v.presenter || null,
        venue: v.venue || null,
        starts_at: fromLocalInput(v.starts_at)!,
        ends_at: fromLocalInput(v.ends_at)!,
        capacity: v.capacity,
      });
      if (!initial) form.reset();
    } catch (e) {
      reportFormError(e, form.setError, ['title', 'presenter', 'venue', 'starts_at', 'ends_at', 'capacity']);
    }
  });
  return (
    <form className="form grid-form" onSubmit={submit} noValidate>
      <TextField label={t('ses.title')} error={err('title')} {...form.register('title')} />
      <TextField label={t('ses.presenter')} error={err('presenter')} {...form.register('presenter')} />
      <TextField label={t('ev.venue')} error={err('venue')} {...form.register('venue')} />
      <TextField label={t('ses.capacity')} type="number" min={0} error={err('capacity')} {...form.register('capacity')} />
      <TextField label={t('ev.startsAt')} type="datetime-local" error={err('starts_at')} {...form.register('starts_at')} />
      <TextField label={t('ev.endsAt')} type="datetime-local" error={err('ends_at')} {...form.register('ends_at')} />
      <div className="span-2 row">
        <button className="btn primary" type="submit" disabled={form.formState.isSubmitting}>
          {form.formState.isSubmitting ? t('common.working') : submitLabel}
        </button>
      </div>
    </form>
  );
}
