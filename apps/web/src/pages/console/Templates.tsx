import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { useTenant } from '../../lib/TenantContext';
import { dateTime } from '../../lib/format';
import { PARTS } from '../../lib/templates';
import { Badge, Empty, ErrorView, Skeleton } from '../../components/ui';
import { useConsolePath } from './shared';

/** The message templates: which the tenant customised, and links to edit them (tenant admins). */
export default function Templates() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const cp = useConsolePath();
  const list = useQuery({
    queryKey: ['templates', slug],
    queryFn: () => call(api.GET('/api/v1/notifications/templates')),
  });
  return (
    <div>
      <nav className="crumbs" aria-label={t('nav.breadcrumbs')}>
        <Link to={cp('/notifications')}>{t('console.nav.notifications')}</Link> / <span>{t('console.nav.templates')}</span>
      </nav>
      <h1>{t('console.nav.templates')}</h1>
      <p className="muted">{t('tpl.intro')}</p>
      {list.isPending ? (
        <Skeleton lines={8} />
      ) : list.isError ? (
        <ErrorView error={list.error} retry={() => void list.refetch()} />
      ) : list.data.length === 0 ? (
        <Empty title={t('tpl.none')} />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('tpl.template')}</th>
              <th>{t('tpl.state')}</th>
              <th>{t('tpl.updated')}</th>
              <th>
                <span className="sr-only">{t('common.edit')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((tp) => {
              const title = t(`tpl.names.${tp.name}`, { defaultValue: tp.name });
              return (
                <tr key={tp.name}>
                  <td>
                    <Link to={cp(`/templates/${tp.name}`)}>{title}</Link>
                    <div className="muted small">
                      <code>{tp.name}</code>
                    </div>
                  </td>
                  <td>
                    {tp.overridden.length === 0 ? (
                      <Badge>{t('tpl.builtIn')}</Badge>
                    ) : (
                      <>
                        <Badge kind="on_sale">{t('tpl.customised')}</Badge>{' '}
                        <span className="small">
                          {PARTS.filter((p) => tp.overridden.includes(p))
                            .map((p) => t(`tpl.part.${p}`))
                            .join(', ')}
                        </span>
                      </>
                    )}
                  </td>
                  <td>{tp.updated_at ? dateTime(tp.updated_at) : '—'}</td>
                  <td>
                    <Link className="btn small" to={cp(`/templates/${tp.name}`)} aria-label={`${t('common.edit')}: ${title}`}>
                      {t('common.edit')}
                    </Link>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
