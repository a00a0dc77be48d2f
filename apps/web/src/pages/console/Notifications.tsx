import { useState } from 'react';
import { Link } from 'react-router';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call } from '../../api/client';
import type { components } from '../../api/schema';
import { useTenant } from '../../lib/TenantContext';
import { useDebounced } from '../../lib/useDebounced';
import { dateTime } from '../../lib/format';
import { reportFormError } from '../../lib/forms';
import { Badge, Empty, ErrorView, Pagination, Skeleton, TextArea, TextField } from '../../components/ui';
import { SessionPicker, useCan, useConsolePath, usePicked } from './shared';

type Channel = components['schemas']['Channel'];

function Announce() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const qc = useQueryClient();
  const [pick, setPick] = usePicked();
  const form = useForm<{ subject: string; body: string; channels: Channel[] }>({ defaultValues: { subject: '', body: '', channels: ['email'] } });
  const submit = form.handleSubmit(async (v) => {
    if (!pick.sessionId) {
      toast.error(t('notif.pickSession'));
      return;
    }
    try {
      const r = await call(
        api.POST('/api/v1/notifications', {
          body: { session_id: pick.sessionId, subject: v.subject.trim(), body: v.body, channels: v.channels.length ? v.channels : undefined },
        }),
      );
      toast.success(t('notif.queued', { recipients: r.recipients, queued: r.queued }));
      form.reset();
      void qc.invalidateQueries({ queryKey: ['notifications', slug] });
    } catch (e) {
      reportFormError(e, form.setError, ['subject', 'body', 'channels'], { session_id: 'subject' });
    }
  });
  return (
    <section className="panel">
      <h2>{t('notif.announce')}</h2>
      <SessionPicker eventId={pick.eventId} sessionId={pick.sessionId} onChange={setPick} />
      <form className="form" onSubmit={submit} noValidate>
        <TextField label={t('notif.subject')} error={form.formState.errors.subject?.message} {...form.register('subject', { required: t('v.required') })} />
        <TextArea label={t('notif.body')} rows={5} error={form.formState.errors.body?.message} {...form.register('body', { required: t('v.required') })} />
        <fieldset>
          <legend>{t('notif.channels')}</legend>
          <label className="checkbox">
            <input type="checkbox" value="email" {...form.register('channels')} /> {t('notif.email')}
          </label>
          <label className="checkbox">
            <input type="checkbox" value="sms" {...form.register('channels')} /> SMS
          </label>
        </fieldset>
        <button className="btn primary" type="submit" disabled={form.formState.isSubmitting}>
          {t('notif.send')}
        </button>
      </form>
    </section>
  );
}

function History() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const [recipientText, setRecipient] = useState('');
  const recipient = useDebounced(recipientText.trim(), 400);
  const [status, setStatus] = useState<'' | 'queued' | 'sent' | 'failed'>('');
  const [channel, setChannel] = useState<'' | Channel>('');
  const [page, setPage] = useState(1);
  const channels = useQuery({ queryKey: ['channels', slug], queryFn: () => call(api.GET('/api/v1/notifications/channels')) });
  const list = useQuery({
    queryKey: ['notifications', slug, recipient, status, channel, page],
    placeholderData: keepPreviousData,
    queryFn: () =>
      call(
        api.GET('/api/v1/notifications', {
          params: {
            query: { recipient: recipient || undefined, status: status || undefined, channel: channel || undefined, page, per_page: 25 },
          },
        }),
      ),
  });
  return (
    <section>
      <h2>{t('notif.history')}</h2>
      {channels.data && (
        <p className="small">
          {t('notif.email')}: {channels.data.email.enabled ? '✔' : '✘'} {channels.data.email.transport ?? ''} · SMS:{' '}
          {channels.data.sms.enabled ? '✔' : '✘'} {channels.data.sms.detail ?? ''}
        </p>
      )}
      <div className="filters">
        <div className="field grow">
          <label htmlFor="n-rcpt">{t('notif.recipient')}</label>
          <input id="n-rcpt" value={recipientText} onChange={(e) => { setRecipient(e.target.value); setPage(1); }} />
        </div>
        <div className="field">
          <label htmlFor="n-status">{t('hooks.status')}</label>
          <select id="n-status" value={status} onChange={(e) => { setStatus(e.target.value as typeof status); setPage(1); }}>
            <option value="">{t('common.all')}</option>
            <option value="queued">{t('notif.st.queued')}</option>
            <option value="sent">{t('notif.st.sent')}</option>
            <option value="failed">{t('notif.st.failed')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="n-channel">{t('notif.channel')}</label>
          <select id="n-channel" value={channel} onChange={(e) => { setChannel(e.target.value as typeof channel); setPage(1); }}>
            <option value="">{t('common.all')}</option>
            <option value="email">{t('notif.email')}</option>
            <option value="sms">SMS</option>
          </select>
        </div>
      </div>
      {list.isPending ? (
        <Skeleton lines={6} />
      ) : list.isError ? (
        <ErrorView error={list.error} retry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty title={t('notif.none')} />
      ) : (
        <>
          <table className="table small">
            <thead>
              <tr>
                <th>{t('hooks.when')}</th>
                <th>{t('notif.channel')}</th>
                <th>{t('notif.recipient')}</th>
                <th>{t('notif.subject')}</th>
                <th>{t('hooks.status')}</th>
                <th>{t('hooks.attempts')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((n) => (
                <tr key={n.id}>
                  <td>{dateTime(n.created_at)}</td>
                  <td>{n.channel}</td>
                  <td>{n.recipient}</td>
                  <td>
                    {n.subject}
                    <div className="muted">{n.template}</div>
                  </td>
                  <td>
                    <Badge kind={n.status === 'sent' ? 'on_sale' : n.status === 'failed' ? 'cancelled' : 'presale'}>{t(`notif.st.${n.status}`, { defaultValue: n.status })}</Badge>
                    {n.last_error && <div className="field-error">{n.last_error}</div>}
                  </td>
                  <td>{n.attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pagination page={page} perPage={25} total={list.data.total} onPage={setPage} />
        </>
      )}
    </section>
  );
}

export default function Notifications() {
  const { t } = useTranslation();
  const can = useCan();
  const cp = useConsolePath();
  return (
    <div>
      <div className="row between wrap">
        <h1>{t('console.nav.notifications')}</h1>
        {can.admin && (
          <Link className="btn" to={cp('/templates')}>
            {t('tpl.link')}
          </Link>
        )}
      </div>
      <Announce />
      {can.admin && <History />}
    </div>
  );
}
