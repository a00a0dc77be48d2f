import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call } from '../../api/client';
import type { components } from '../../api/schema';
import { useTenant } from '../../lib/TenantContext';
import { dateTime, fromLocalInput } from '../../lib/format';
import { reportFormError, toastError } from '../../lib/forms';
import { Empty, ErrorView, SecretBox, Skeleton, TextField } from '../../components/ui';

type Scope = components['schemas']['Scope'];
const SCOPES: Scope[] = ['events:read', 'events:write', 'orders:read', 'orders:write', 'checkin', 'webhooks:manage'];

export default function ApiKeys() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const qc = useQueryClient();
  const [key, setKey] = useState<string | null>(null);
  const list = useQuery({
    queryKey: ['api-keys', slug],
    queryFn: () => call(api.GET('/api/v1/api-keys', { params: { query: { per_page: 100 } } })),
  });
  const form = useForm<{ name: string; scopes: Scope[]; expires_at: string }>({ defaultValues: { name: '', scopes: ['events:read'], expires_at: '' } });
  const create = form.handleSubmit(async (v) => {
    if (v.scopes.length === 0) {
      form.setError('scopes', { message: t('keys.pickScope') });
      return;
    }
    try {
      const k = await call(
        api.POST('/api/v1/api-keys', { body: { name: v.name.trim(), scopes: v.scopes, expires_at: fromLocalInput(v.expires_at) } }),
      );
      setKey(k.key);
      form.reset();
      void qc.invalidateQueries({ queryKey: ['api-keys', slug] });
    } catch (e) {
      reportFormError(e, form.setError, ['name', 'scopes', 'expires_at']);
    }
  });
  const revoke = useMutation({
    mutationFn: (id: string) => call(api.DELETE('/api/v1/api-keys/{id}', { params: { path: { id } } })),
    onSuccess: () => {
      toast.success(t('keys.revoked'));
      void qc.invalidateQueries({ queryKey: ['api-keys', slug] });
    },
    onError: toastError,
  });
  return (
    <div>
      <h1>{t('console.nav.apiKeys')}</h1>
      {key && <SecretBox label={t('keys.key')} value={key} onClose={() => setKey(null)} />}
      <form className="panel form grid-form" onSubmit={create} noValidate>
        <TextField label={t('keys.name')} error={form.formState.errors.name?.message} {...form.register('name', { required: t('v.required') })} />
        <TextField label={t('keys.expires')} type="datetime-local" error={form.formState.errors.expires_at?.message} {...form.register('expires_at')} />
        <fieldset className="span-2">
          <legend>{t('keys.scopes')}</legend>
          <div className="row wrap">
            {SCOPES.map((s) => (
              <label key={s} className="checkbox">
                <input type="checkbox" value={s} {...form.register('scopes')} /> <code>{s}</code>
              </label>
            ))}
          </div>
          {form.formState.errors.scopes && (
            <small className="field-error" role="alert">
              {form.formState.errors.scopes.message}
            </small>
          )}
        </fieldset>
        <div className="span-2">
          <button className="btn primary" type="submit" disabled={form.formState.isSubmitting}>
            {t('keys.create')}
          </button>
        </div>
      </form>
      {list.isPending ? (
        <Skeleton lines={4} />
      ) : list.isError ? (
        <ErrorView error={list.error} retry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty title={t('keys.none')} />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('keys.name')}</th>
              <th>{t('keys.prefix')}</th>
              <th>{t('keys.scopes')}</th>
              <th>{t('keys.lastUsed')}</th>
              <th>{t('keys.expires')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td className="small">{k.scopes.join(', ')}</td>
                <td>{dateTime(k.last_used_at)}</td>
                <td>{k.expires_at ? dateTime(k.expires_at) : '∞'}</td>
                <td>
                  <button className="btn small danger" onClick={() => confirm(t('keys.confirmRevoke')) && revoke.mutate(k.id)}>
                    {t('keys.revoke')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
