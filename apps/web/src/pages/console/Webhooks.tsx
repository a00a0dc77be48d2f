import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call } from '../../api/client';
import type { components } from '../../api/schema';
import { useTenant } from '../../lib/TenantContext';
import { dateTime, fromLocalInput } from '../../lib/format';
import { reportFormError, toastError } from '../../lib/forms';
import { Badge, Empty, ErrorView, Pagination, SecretBox, Skeleton, TextField } from '../../components/ui';

type EndpointView = components['schemas']['EndpointView'];

export const EVENT_TYPES = (
  'order.created order.paid order.cancelled order.expired order.refunded order.payment_failed order.disputed ' +
  'ticket.issued ticket.checked_in ticket.transferred ticket.voided registration.confirmed registration.waitlisted ' +
  'registration.promoted registration.cancelled hold.created hold.released resale.listed resale.sold session.cancelled ' +
  'webhook.endpoint_disabled'
).split(' ');

function EndpointForm({ initial, onDone }: { initial?: EndpointView; onDone: (secret?: string) => void }) {
  const { t } = useTranslation();
  const { api } = useTenant();
  const form = useForm<{ url: string; description: string; event_types: string; enabled: boolean }>({
    defaultValues: {
      url: initial?.url ?? '',
      description: initial?.description ?? '',
      event_types: (initial?.event_types ?? []).join(', '),
      enabled: initial?.enabled ?? true,
    },
  });
  const submit = form.handleSubmit(async (v) => {
    const event_types = v.event_types
      .split(/[\s,]+/)
      .map((x) => x.trim())
      .filter(Boolean);
    try {
      if (initial) {
        await call(
          api.PATCH('/api/v1/webhooks/endpoints/{id}', {
            params: { path: { id: initial.id } },
            body: { url: v.url.trim(), description: v.description, event_types, enabled: v.enabled },
          }),
        );
        onDone();
      } else {
        const e = await call(
          api.POST('/api/v1/webhooks/endpoints', { body: { url: v.url.trim(), description: v.description || null, event_types } }),
        );
        onDone(e.secret);
      }
    } catch (e) {
      reportFormError(e, form.setError, ['url', 'description', 'event_types', 'enabled']);
    }
  });
  return (
    <form className="form grid-form" onSubmit={submit} noValidate>
      <TextField
        label={t('hooks.url')}
        type="url"
        placeholder="https://example.com/hooks/taquilla"
        error={form.formState.errors.url?.message}
        {...form.register('url', { required: t('v.required'), pattern: { value: /^https?:\/\/\S+$/, message: t('v.url') } })}
      />
      <TextField label={t('ev.description')} error={form.formState.errors.description?.message} {...form.register('description')} />
      <TextField
        label={t('hooks.eventTypes')}
        hint={t('hooks.eventTypesHint', { examples: EVENT_TYPES.slice(0, 4).join(', ') })}
        list="event-types"
        error={form.formState.errors.event_types?.message}
        {...form.register('event_types')}
      />
      <datalist id="event-types">
        {EVENT_TYPES.map((e) => (
          <option key={e} value={e} />
        ))}
      </datalist>
      {initial && (
        <label className="checkbox">
          <input type="checkbox" {...form.register('enabled')} /> {t('hooks.enabled')}
        </label>
      )}
      <div className="span-2">
        <button className="btn primary" type="submit" disabled={form.formState.isSubmitting}>
          {initial ? t('common.save') : t('common.create')}
        </button>
      </div>
    </form>
  );
}

function Attempts({ id }: { id: string }) {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const [page, setPage] = useState(1);
  const q = useQuery({
    queryKey: ['attempts', slug, id, page],
    placeholderData: keepPreviousData,
    queryFn: () =>
      call(api.GET('/api/v1/webhooks/endpoints/{id}/attempts', { params: { path: { id }, query: { page, per_page: 20 } } })),
  });
  if (q.isPending) return <Skeleton lines={3} />;
  if (q.isError) return <ErrorView error={q.error} retry={() => void q.refetch()} />;
  if (q.data.items.length === 0) return <Empty title={t('hooks.noAttempts')} />;
  return (
    <>
      <table className="table small">
        <thead>
          <tr>
            <th>{t('hooks.when')}</th>
            <th>#</th>
            <th>{t('hooks.status')}</th>
            <th>{t('hooks.time')}</th>
            <th>{t('hooks.response')}</th>
          </tr>
        </thead>
        <tbody>
          {q.data.items.map((a) => (
            <tr key={a.id}>
              <td>{dateTime(a.created_at)}</td>
              <td>{a.attempt}</td>
              <td>{a.succeeded ? <Badge kind="on_sale">{a.status_code}</Badge> : <Badge kind="cancelled">{a.status_code ?? t('hooks.error')}</Badge>}</td>
              <td>{a.response_ms} ms</td>
              <td>
                <code className="clip">{a.error ?? a.response_body}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination page={page} perPage={20} total={q.data.total} onPage={setPage} />
    </>
  );
}

function Messages({ endpointId }: { endpointId?: string }) {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const qc = useQueryClient();
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState('');
  const q = useQuery({
    queryKey: ['messages', slug, endpointId, status, page],
    placeholderData: keepPreviousData,
    queryFn: () =>
      call(
        api.GET('/api/v1/webhooks/messages', {
          params: { query: { endpoint_id: endpointId, status: status || undefined, page, per_page: 20 } },
        }),
      ),
  });
  const retry = useMutation({
    mutationFn: (id: string) => call(api.POST('/api/v1/webhooks/messages/{id}/retry', { params: { path: { id } } })),
    onSuccess: () => {
      toast.success(t('hooks.retried'));
      void qc.invalidateQueries({ queryKey: ['messages', slug] });
    },
    onError: toastError,
  });
  return (
    <>
      <label className="inline">
        {t('hooks.status')}{' '}
        <select value={status} onChange={(e) => { setStatus(e.target.value); setPage(1); }}>
          <option value="">{t('common.all')}</option>
          {['pending', 'succeeded', 'failed'].map((s) => (
            <option key={s} value={s}>
              {t(`hooks.st.${s}`)}
            </option>
          ))}
        </select>
      </label>
      {q.isPending ? (
        <Skeleton lines={3} />
      ) : q.isError ? (
        <ErrorView error={q.error} retry={() => void q.refetch()} />
      ) : q.data.items.length === 0 ? (
        <Empty title={t('hooks.noMessages')} />
      ) : (
        <>
          <table className="table small">
            <thead>
              <tr>
                <th>{t('hooks.when')}</th>
                <th>{t('hooks.eventType')}</th>
                <th>{t('hooks.status')}</th>
                <th>{t('hooks.attempts')}</th>
                <th>{t('hooks.lastError')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {q.data.items.map((m) => (
                <tr key={m.id}>
                  <td>{dateTime(m.created_at)}</td>
                  <td>
                    <code>{m.event_type}</code>
                  </td>
                  <td>
                    <Badge kind={m.status === 'succeeded' ? 'on_sale' : m.status === 'failed' ? 'cancelled' : 'presale'}>{m.status}</Badge>
                  </td>
                  <td>{m.attempts}</td>
                  <td>
                    <span className="clip">{m.last_error ?? (m.last_status_code ? `HTTP ${m.last_status_code}` : '')}</span>
                  </td>
                  <td>
                    {m.status !== 'succeeded' && (
                      <button className="btn small" disabled={retry.isPending} onClick={() => retry.mutate(m.id)}>
                        {t('hooks.retry')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pagination page={page} perPage={20} total={q.data.total} onPage={setPage} />
        </>
      )}
    </>
  );
}

function EndpointPanel({ ep, onSecret }: { ep: EndpointView; onSecret: (s: string) => void }) {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const qc = useQueryClient();
  const [tab, setTab] = useState<'attempts' | 'messages' | 'edit' | null>(null);
  const [since, setSince] = useState('');
  const refresh = () => void qc.invalidateQueries({ queryKey: ['endpoints', slug] });
  const act = useMutation({
    mutationFn: async (what: 'test' | 'rotate' | 'replay' | 'delete') => {
      const path = { id: ep.id };
      switch (what) {
        case 'test':
          await call(api.POST('/api/v1/webhooks/endpoints/{id}/test', { params: { path } }));
          return t('hooks.testQueued');
        case 'rotate': {
          const r = await call(api.POST('/api/v1/webhooks/endpoints/{id}/rotate-secret', { params: { path } }));
          onSecret(r.secret);
          return t('hooks.rotated');
        }
        case 'replay': {
          const r = await call(
            api.POST('/api/v1/webhooks/endpoints/{id}/replay', {
              params: { path, query: { since: fromLocalInput(since) ?? new Date(Date.now() - 86400000).toISOString() } },
            }),
          );
          return t('hooks.replayed', { count: r.queued });
        }
        case 'delete':
          await call(api.DELETE('/api/v1/webhooks/endpoints/{id}', { params: { path } }));
          return t('hooks.deleted');
      }
    },
    onSuccess: (msg) => {
      toast.success(msg);
      refresh();
      void qc.invalidateQueries({ queryKey: ['messages', slug] });
      void qc.invalidateQueries({ queryKey: ['attempts', slug, ep.id] });
    },
    onError: toastError,
  });
  return (
    <li className="panel">
      <div className="row between wrap">
        <div>
          <code>{ep.url}</code> {ep.enabled ? <Badge kind="on_sale">{t('hooks.enabled')}</Badge> : <Badge kind="cancelled">{t('hooks.disabled')}</Badge>}
          {ep.description && <div className="muted small">{ep.description}</div>}
          <div className="small">{(ep.event_types ?? []).length ? (ep.event_types ?? []).join(', ') : t('hooks.allEvents')}</div>
          {ep.disabled_reason && <div className="field-error small">{ep.disabled_reason}</div>}
          {ep.failing_since && <div className="field-error small">{t('hooks.failingSince', { when: dateTime(ep.failing_since) })}</div>}
        </div>
        <div className="row wrap">
          <button className="btn small" onClick={() => act.mutate('test')} disabled={act.isPending}>
            {t('hooks.sendTest')}
          </button>
          <button className="btn small" onClick={() => confirm(t('hooks.confirmRotate')) && act.mutate('rotate')} disabled={act.isPending}>
            {t('hooks.rotate')}
          </button>
          <button className="btn small" onClick={() => setTab(tab === 'edit' ? null : 'edit')}>
            {t('common.edit')}
          </button>
          <button className="btn small" onClick={() => setTab(tab === 'attempts' ? null : 'attempts')}>
            {t('hooks.attempts')}
          </button>
          <button className="btn small" onClick={() => setTab(tab === 'messages' ? null : 'messages')}>
            {t('hooks.messages')}
          </button>
          <button className="btn small danger" onClick={() => confirm(t('hooks.confirmDelete')) && act.mutate('delete')} disabled={act.isPending}>
            {t('common.delete')}
          </button>
        </div>
      </div>
      <div className="row wrap">
        <label htmlFor={`since-${ep.id}`} className="small">
          {t('hooks.replaySince')}
        </label>
        <input id={`since-${ep.id}`} type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} />
        <button className="btn small" onClick={() => act.mutate('replay')} disabled={act.isPending}>
          {t('hooks.replay')}
        </button>
      </div>
      {tab === 'edit' && (
        <EndpointForm
          initial={ep}
          onDone={() => {
            setTab(null);
            refresh();
            toast.success(t('common.saved'));
          }}
        />
      )}
      {tab === 'attempts' && <Attempts id={ep.id} />}
      {tab === 'messages' && <Messages endpointId={ep.id} />}
    </li>
  );
}

export default function Webhooks() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const qc = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const list = useQuery({
    queryKey: ['endpoints', slug],
    queryFn: () => call(api.GET('/api/v1/webhooks/endpoints', { params: { query: { per_page: 100 } } })),
  });
  return (
    <div>
      <div className="row between wrap">
        <h1>{t('console.nav.webhooks')}</h1>
        <button className="btn primary" onClick={() => setCreating((c) => !c)}>
          {creating ? t('common.cancel') : t('hooks.new')}
        </button>
      </div>
      {secret && <SecretBox label={t('hooks.secret')} value={secret} onClose={() => setSecret(null)} />}
      {creating && (
        <section className="panel">
          <EndpointForm
            onDone={(s) => {
              setCreating(false);
              if (s) setSecret(s);
              void qc.invalidateQueries({ queryKey: ['endpoints', slug] });
            }}
          />
        </section>
      )}
      {list.isPending ? (
        <Skeleton lines={4} />
      ) : list.isError ? (
        <ErrorView error={list.error} retry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty title={t('hooks.none')} />
      ) : (
        <ul className="stack">
          {list.data.items.map((ep) => (
            <EndpointPanel key={ep.id} ep={ep} onSecret={setSecret} />
          ))}
        </ul>
      )}
      <h2>{t('hooks.allMessages')}</h2>
      <Messages />
    </div>
  );
}
