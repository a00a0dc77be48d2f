import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { useTenant } from '../../lib/TenantContext';
import { dateTime } from '../../lib/format';
import { toastError } from '../../lib/forms';
import { Badge, Empty, ErrorView, Pagination, Skeleton } from '../../components/ui';

export default function Audit() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const [page, setPage] = useState(1);
  const list = useQuery({
    queryKey: ['audit', slug, page],
    placeholderData: keepPreviousData,
    queryFn: () => call(api.GET('/api/v1/audit', { params: { query: { page, per_page: 50 } } })),
  });
  const verify = useMutation({ mutationFn: () => call(api.GET('/api/v1/audit/verify')), onError: toastError });
  return (
    <div>
      <div className="row between wrap">
        <h1>{t('console.nav.audit')}</h1>
        <button className="btn" disabled={verify.isPending} onClick={() => verify.mutate()}>
          {verify.isPending ? t('common.working') : t('audit.verify')}
        </button>
      </div>
      {verify.data && (
        <p className={`panel ${verify.data.ok ? 'ok-panel' : 'error-panel'}`} role="status">
          {verify.data.ok
            ? t('audit.ok', { rows: verify.data.rows, unsealed: verify.data.unsealed })
            : t('audit.broken', { seq: verify.data.broken_at_seq ?? '?', reason: verify.data.reason ?? '' })}
        </p>
      )}
      {list.isPending ? (
        <Skeleton lines={10} />
      ) : list.isError ? (
        <ErrorView error={list.error} retry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty title={t('audit.none')} />
      ) : (
        <>
          <div className="table-scroll">
            <table className="table small">
              <thead>
                <tr>
                  <th>#</th>
                  <th>{t('hooks.when')}</th>
                  <th>{t('audit.actor')}</th>
                  <th>{t('audit.action')}</th>
                  <th>{t('audit.resource')}</th>
                  <th>{t('hooks.status')}</th>
                  <th>IP</th>
                  <th>{t('audit.hash')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((r) => (
                  <tr key={r.id}>
                    <td>{r.seq}</td>
                    <td>{dateTime(r.created_at)}</td>
                    <td>
                      {r.actor_role ? t(`roles.${r.actor_role}`, { defaultValue: r.actor_role }) : '—'}
                      {r.actor_id && <div className="muted clip">{r.actor_id.slice(0, 8)}</div>}
                    </td>
                    <td>
                      <code>{r.action}</code>
                    </td>
                    <td className="clip">{r.resource}</td>
                    <td>
                      <Badge kind={r.status < 400 ? 'on_sale' : 'cancelled'}>{r.status}</Badge>
                    </td>
                    <td>{r.ip ?? ''}</td>
                    <td>
                      <code className="clip" title={r.hash ?? ''}>
                        {r.hash ? r.hash.slice(0, 10) : t('audit.unsealed')}
                      </code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination page={page} perPage={50} total={list.data.total} onPage={setPage} />
        </>
      )}
    </div>
  );
}
