import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { useTenant } from '../../lib/TenantContext';
import { dateTime } from '../../lib/format';
import { reportFormError } from '../../lib/forms';
import { Badge, Empty, ErrorView, Pagination, SelectField, Skeleton, TextField } from '../../components/ui';
import { useAllEvents, useConsolePath } from './shared';

export const TEMPLATES: Record<string, { source: string; tests: unknown[] }> = {
  pricing: {
    source: `// Returns the unit price in minor units, or #{ unit_price, label }.
fn price(ctx) {
    let base = ctx.ticket_type.base_price;
    if ctx.quantity >= 5 {
        #{ unit_price: base * 90 / 100, label: "Group" }
    } else {
        base
    }
}
`,
    tests: [
      { name: 'single ticket: base price', context: { ticket_type: { base_price: 5000 }, quantity: 1 }, expected: 5000 },
      { name: 'five tickets: 10 % off', context: { ticket_type: { base_price: 5000 }, quantity: 5 }, expected: { unit_price: 4500, label: 'Group' } },
    ],
  },
  coupon: {
    source: `// Returns the discount for the line in minor units (or #{ discount, label }).
fn apply(ctx) {
    ctx.line.total * ctx.coupon.value / 100
}
`,
    tests: [
      {
        name: '20 % off',
        context: { line: { unit_price: 5000, quantity: 2, total: 10000 }, coupon: { code: 'X', kind: 'percent', value: 20 } },
        expected: 2000,
      },
    ],
  },
};

export default function Scripts() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const cp = useConsolePath();
  const nav = useNavigate();
  const events = useAllEvents();
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const list = useQuery({
    queryKey: ['scripts', slug, page],
    queryFn: () => call(api.GET('/api/v1/scripts', { params: { query: { page, per_page: 25 } } })),
  });
  const form = useForm<{ name: string; kind: 'pricing' | 'coupon'; event_id: string }>({
    defaultValues: { name: '', kind: 'pricing', event_id: '' },
  });
  const kind = form.watch('kind');
  const create = form.handleSubmit(async (v) => {
    try {
      const tpl = TEMPLATES[v.kind];
      const s = await call(
        api.POST('/api/v1/scripts', {
          body: {
            name: v.name.trim(),
            kind: v.kind,
            event_id: v.kind === 'pricing' && v.event_id ? v.event_id : null,
            source: tpl.source,
            test_cases: tpl.tests as Record<string, never>[],
          },
        }),
      );
      nav(cp(`/scripts/${s.id}`));
    } catch (e) {
      reportFormError(e, form.setError, ['name', 'kind', 'event_id']);
    }
  });
  return (
    <div>
      <div className="row between wrap">
        <h1>{t('console.nav.scripts')}</h1>
        <button className="btn primary" onClick={() => setCreating((c) => !c)}>
          {creating ? t('common.cancel') : t('scripts.new')}
        </button>
      </div>
      {creating && (
        <form className="panel form grid-form" onSubmit={create} noValidate>
          <TextField
            label={t('scripts.name')}
            error={form.formState.errors.name?.message}
            {...form.register('name', { required: t('v.required'), maxLength: { value: 100, message: t('v.tooLong') } })}
          />
          <SelectField label={t('scripts.kind')} {...form.register('kind')}>
            <option value="pricing">{t('scripts.pricing')}</option>
            <option value="coupon">{t('scripts.coupon')}</option>
          </SelectField>
          {kind === 'pricing' && (
            <SelectField label={t('console.event')} hint={t('scripts.eventHint')} error={form.formState.errors.event_id?.message} {...form.register('event_id')}>
              <option value="">{t('scripts.allEvents')}</option>
              {(events.data?.items ?? []).map((e) => (
                <option key={e.id} value={e.id}>
                  {e.title}
                </option>
              ))}
            </SelectField>
          )}
          <div className="span-2">
            <button className="btn primary" type="submit" disabled={form.formState.isSubmitting}>
              {t('common.create')}
            </button>
          </div>
        </form>
      )}
      {list.isPending ? (
        <Skeleton lines={5} />
      ) : list.isError ? (
        <ErrorView error={list.error} retry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty title={t('scripts.none')} />
      ) : (
        <>
          <table className="table">
            <thead>
              <tr>
                <th>{t('scripts.name')}</th>
                <th>{t('scripts.kind')}</th>
                <th>{t('scripts.active')}</th>
                <th>{t('scripts.latest')}</th>
                <th>{t('scripts.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link to={cp(`/scripts/${s.id}`)}>{s.name}</Link>
                  </td>
                  <td>{t(`scripts.${s.kind}`, { defaultValue: s.kind })}</td>
                  <td>{s.active_version != null ? <Badge kind="on_sale">v{s.active_version}</Badge> : <Badge>{t('scripts.inactive')}</Badge>}</td>
                  <td>v{s.latest_version}</td>
                  <td>{dateTime(s.updated_at)}</td>
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
