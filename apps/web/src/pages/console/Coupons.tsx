import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call } from '../../api/client';
import type { components } from '../../api/schema';
import { useTenant } from '../../lib/TenantContext';
import { dateTime, fromLocalInput, money, toLocalInput, toMajor, toMinor } from '../../lib/format';
import { reportFormError, toastError } from '../../lib/forms';
import { Badge, Empty, ErrorView, Pagination, SelectField, Skeleton, TextField } from '../../components/ui';
import { useAllEvents } from './shared';

type CouponView = components['schemas']['CouponView'];
type CouponInput = components['schemas']['CouponInput'];

const optInt = z
  .string()
  .trim()
  .refine((v) => v === '' || /^\d+$/.test(v), 'v.integer');
const schema = z
  .object({
    code: z.string().trim().min(1, 'v.required').max(64, 'v.tooLong'),
    description: z.string().max(500, 'v.tooLong'),
    kind: z.enum(['percent', 'fixed']),
    value: z.coerce.number<number>().positive('v.positive'),
    currency: z.string().trim(),
    valid_from: z.string(),
    valid_until: z.string(),
    max_uses: optInt,
    max_uses_per_user: optInt,
    min_quantity: optInt,
    active: z.boolean(),
    event_ids: z.array(z.string()),
  })
  .refine((v) => v.kind !== 'percent' || (v.value <= 100 && Number.isInteger(v.value)), { path: ['value'], message: 'v.percent' })
  .refine((v) => v.kind !== 'fixed' || /^[A-Za-z]{3}$/.test(v.currency), { path: ['currency'], message: 'v.currency' });
type Values = z.infer<typeof schema>;
const FIELDS = ['code', 'description', 'kind', 'value', 'currency', 'valid_from', 'valid_until', 'max_uses', 'max_uses_per_user', 'min_quantity', 'active', 'event_ids'];

function CouponForm({ initial, onDone }: { initial?: CouponView; onDone: () => void }) {
  const { t } = useTranslation();
  const { api } = useTenant();
  const events = useAllEvents();
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: {
      code: initial?.code ?? '',
      description: initial?.description ?? '',
      kind: (initial?.kind as 'percent' | 'fixed') ?? 'percent',
      value: initial ? (initial.kind === 'fixed' ? toMajor(initial.value, initial.currency ?? 'EUR') : initial.value) : 10,
      currency: initial?.currency ?? 'EUR',
      valid_from: toLocalInput(initial?.valid_from),
      valid_until: toLocalInput(initial?.valid_until),
      max_uses: initial?.max_uses != null ? String(initial.max_uses) : '',
      max_uses_per_user: initial?.max_uses_per_user != null ? String(initial.max_uses_per_user) : '',
      min_quantity: initial ? String(initial.min_quantity) : '',
      active: initial?.active ?? true,
      event_ids: initial?.event_ids ?? [],
    },
  });
  const kind = form.watch('kind');
  const err = (k: keyof Values) => {
    const m = form.formState.errors[k]?.message;
    return m ? t(m, { defaultValue: m }) : undefined;
  };
  const submit = form.handleSubmit(async (v) => {
    const body: CouponInput = {
      code: v.code.trim(),
      description: v.description || null,
      kind: v.kind,
      value: v.kind === 'fixed' ? toMinor(v.value, v.currency.toUpperCase()) : v.value,
      currency: v.kind === 'fixed' ? v.currency.toUpperCase() : null,
      valid_from: fromLocalInput(v.valid_from),
      valid_until: fromLocalInput(v.valid_until),
      max_uses: v.max_uses ? Number(v.max_uses) : null,
      max_uses_per_user: v.max_uses_per_user ? Number(v.max_uses_per_user) : null,
      min_quantity: v.min_quantity ? Number(v.min_quantity) : null,
      active: v.active,
      event_ids: v.event_ids,
    };
    try {
      if (initial) await call(api.PATCH('/api/v1/coupons/{id}', { params: { path: { id: initial.id } }, body }));
      else await call(api.POST('/api/v1/coupons', { body }));
      toast.success(initial ? t('common.saved') : t('coupons.created'));
      onDone();
    } catch (e) {
      reportFormError(e, form.setError, FIELDS);
    }
  });
  return (
    <form className="form grid-form" onSubmit={submit} noValidate>
      <TextField label={t('coupons.code')} error={err('code')} {...form.register('code')} />
      <TextField label={t('ev.description')} error={err('description')} {...form.register('description')} />
      <SelectField label={t('coupons.kind')} error={err('kind')} {...form.register('kind')}>
        <option value="percent">{t('coupons.percent')}</option>
        <option value="fixed">{t('coupons.fixed')}</option>
      </SelectField>
      <TextField
        label={kind === 'percent' ? t('coupons.valuePercent') : t('coupons.valueFixed')}
        type="number"
        step={kind === 'percent' ? 1 : 0.01}
        error={err('value')}
        {...form.register('value')}
      />
      {kind === 'fixed' && <TextField label={t('tt.currency')} maxLength={3} error={err('currency')} {...form.register('currency')} />}
      <TextField label={t('coupons.validFrom')} type="datetime-local" error={err('valid_from')} {...form.register('valid_from')} />
      <TextField label={t('coupons.validUntil')} type="datetime-local" error={err('valid_until')} {...form.register('valid_until')} />
      <TextField label={t('coupons.maxUses')} type="number" min={1} error={err('max_uses')} {...form.register('max_uses')} />
      <TextField label={t('coupons.maxPerUser')} type="number" min={1} error={err('max_uses_per_user')} {...form.register('max_uses_per_user')} />
      <TextField label={t('coupons.minQuantity')} type="number" min={1} error={err('min_quantity')} {...form.register('min_quantity')} />
      <SelectField label={t('coupons.events')} multiple size={4} hint={t('coupons.eventsHint')} error={err('event_ids')} {...form.register('event_ids')}>
        {(events.data?.items ?? []).map((e) => (
          <option key={e.id} value={e.id}>
            {e.title}
          </option>
        ))}
      </SelectField>
      <label className="checkbox">
        <input type="checkbox" {...form.register('active')} /> {t('coupons.active')}
      </label>
      <div className="span-2 row">
        <button className="btn primary" type="submit" disabled={form.formState.isSubmitting}>
          {initial ? t('common.save') : t('common.create')}
        </button>
      </div>
    </form>
  );
}

export default function Coupons() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const qc = useQueryClient();
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<CouponView | 'new' | null>(null);
  const list = useQuery({
    queryKey: ['coupons', slug, page],
    placeholderData: keepPreviousData,
    queryFn: () => call(api.GET('/api/v1/coupons', { params: { query: { page, per_page: 25 } } })),
  });
  const remove = useMutation({
    mutationFn: (id: string) => call(api.DELETE('/api/v1/coupons/{id}', { params: { path: { id } } })),
    onSuccess: () => {
      toast.success(t('coupons.deleted'));
      void qc.invalidateQueries({ queryKey: ['coupons', slug] });
    },
    onError: toastError,
  });
  const done = () => {
    setEditing(null);
    void qc.invalidateQueries({ queryKey: ['coupons', slug] });
  };
  return (
    <div>
      <div className="row between wrap">
        <h1>{t('console.nav.coupons')}</h1>
        <button className="btn primary" onClick={() => setEditing(editing ? null : 'new')}>
          {editing ? t('common.cancel') : t('coupons.new')}
        </button>
      </div>
      {editing && (
        <section className="panel">
          <h2>{editing === 'new' ? t('coupons.new') : editing.code}</h2>
          <CouponForm key={editing === 'new' ? 'new' : editing.id} initial={editing === 'new' ? undefined : editing} onDone={done} />
        </section>
      )}
      {list.isPending ? (
        <Skeleton lines={6} />
      ) : list.isError ? (
        <ErrorView error={list.error} retry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty title={t('coupons.none')} />
      ) : (
        <>
          <table className="table">
            <thead>
              <tr>
                <th>{t('coupons.code')}</th>
                <th>{t('coupons.discount')}</th>
                <th>{t('coupons.uses')}</th>
                <th>{t('coupons.given')}</th>
                <th>{t('coupons.validity')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((c) => (
                <tr key={c.id}>
                  <td>
                    <code>{c.code}</code> {!c.active && <Badge kind="cancelled">{t('coupons.inactive')}</Badge>}
                    {c.description && <div className="muted small">{c.description}</div>}
                  </td>
                  <td>{c.kind === 'percent' ? `${c.value}%` : money(c.value, c.currency ?? 'EUR')}</td>
                  <td>
                    {c.uses}
                    {c.max_uses != null && ` / ${c.max_uses}`}
                    {c.max_uses != null && c.max_uses > 0 && (
                      <meter min={0} max={c.max_uses} value={c.uses} className="avail" aria-hidden="true" />
                    )}
                  </td>
                  <td>{money(c.discount_given_minor, c.currency ?? 'EUR')}</td>
                  <td className="small">
                    {c.valid_from ? dateTime(c.valid_from) : '—'} → {c.valid_until ? dateTime(c.valid_until) : '∞'}
                  </td>
                  <td className="row">
                    <button className="btn small" onClick={() => setEditing(c)}>
                      {t('common.edit')}
                    </button>
                    <button className="btn small danger" onClick={() => confirm(t('coupons.confirmDelete')) && remove.mutate(c.id)}>
                      {t('common.delete')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pagination page={page} perPage={25} total={list.data.total} onPage={setPage} />
        </>
      )}
    </div>
  );
}
