import { useState, type ReactNode } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call } from '../../api/client';
import type { components } from '../../api/schema';
import { useTenant } from '../../lib/TenantContext';
import { dateTime } from '../../lib/format';
import { reportFormError, toastError } from '../../lib/forms';
import { Badge, Empty, ErrorView, Pagination, SelectField, Skeleton, TextField } from '../../components/ui';

type Role = components['schemas']['Role'];
type UserView = components['schemas']['UserView'];
export const TENANT_ROLES: Role[] = ['tenant_admin', 'organizer', 'staff', 'attendee'];

const schema = z.object({
  display_name: z.string().trim().min(1, 'v.required').max(120, 'v.tooLong'),
  email: z.string().trim().email('v.email'),
  password: z.string().min(10, 'v.password'),
  role: z.enum(['tenant_admin', 'organizer', 'staff', 'attendee']),
});
type Values = z.infer<typeof schema>;

/** A table of users with role and active switches; `patch` saves a change. */
export function UserTable({
  users,
  patch,
  busy,
  tenantOf,
}: {
  users: UserView[];
  patch: (u: UserView, body: { role?: Role; active?: boolean; is_member?: boolean }) => void;
  busy: boolean;
  /** A first column naming each user's tenant (platform-wide lists). */
  tenantOf?: (u: UserView) => ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <table className="table">
      <thead>
        <tr>
          {tenantOf && <th>{t('admin.tenant')}</th>}
          <th>{t('users.name')}</th>
          <th>{t('auth.email')}</th>
          <th>{t('users.role')}</th>
          <th>{t('users.active')}</th>
          <th>{t('users.member')}</th>
          <th>{t('users.lastLogin')}</th>
        </tr>
      </thead>
      <tbody>
        {users.map((u) => (
          <tr key={u.id}>
            {tenantOf && <td>{tenantOf(u)}</td>}
            <td>{u.display_name}</td>
            <td>{u.email}</td>
            <td>
              <label className="sr-only" htmlFor={`role-${u.id}`}>
                {t('users.roleOf', { name: u.display_name })}
              </label>
              <select id={`role-${u.id}`} value={u.role} disabled={busy} onChange={(e) => patch(u, { role: e.target.value as Role })}>
                <RoleOptions />
              </select>
            </td>
            <td>
              <label className="checkbox">
                <input type="checkbox" checked={u.active} disabled={busy} onChange={(e) => patch(u, { active: e.target.checked })} />
                {u.active ? <Badge kind="on_sale">{t('users.isActive')}</Badge> : <Badge kind="cancelled">{t('users.isDisabled')}</Badge>}
              </label>
            </td>
            <td>
              <label className="checkbox">
                <input type="checkbox" checked={u.is_member} disabled={busy} onChange={(e) => patch(u, { is_member: e.target.checked })} />
                <span className="sr-only">{t('users.memberOf', { name: u.display_name })}</span>
              </label>
            </td>
            <td>{dateTime(u.last_login_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** An <option> per tenant role, labelled in the reader's language. */
function RoleOptions() {
  const { t } = useTranslation();
  return (
    <>
      {TENANT_ROLES.map((r) => (
        <option key={r} value={r}>
          {t(`roles.${r}`)}
        </option>
      ))}
    </>
  );
}

/** A "role" filter for user lists: one of the tenant roles, or all. */
export function RoleFilter({ value, onChange }: { value: Role | ''; onChange: (r: Role | '') => void }) {
  const { t } = useTranslation();
  return (
    <label className="inline">
      {t('users.role')}{' '}
      <select value={value} onChange={(e) => onChange(e.target.value as Role | '')}>
        <option value="">{t('common.all')}</option>
        <RoleOptions />
      </select>
    </label>
  );
}

export default function Users() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const qc = useQueryClient();
  const [role, setRole] = useState<Role | ''>('');
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const list = useQuery({
    queryKey: ['users', slug, role, page],
    placeholderData: keepPreviousData,
    queryFn: () => call(api.GET('/api/v1/users', { params: { query: { role: role || undefined, page, per_page: 25 } } })),
  });
  const patch = useMutation({
    mutationFn: ({ id, body }: { id: string; body: { role?: Role; active?: boolean; is_member?: boolean } }) =>
      call(api.PATCH('/api/v1/users/{id}', { params: { path: { id } }, body })),
    onSuccess: () => {
      toast.success(t('common.saved'));
      void qc.invalidateQueries({ queryKey: ['users', slug] });
    },
    onError: toastError,
  });
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { display_name: '', email: '', password: '', role: 'staff' } });
  const err = (k: keyof Values) => {
    const m = form.formState.errors[k]?.message;
    return m ? t(m, { defaultValue: m }) : undefined;
  };
  const create = form.handleSubmit(async (v) => {
    try {
      await call(api.POST('/api/v1/users', { body: v }));
      toast.success(t('users.created'));
      form.reset();
      setCreating(false);
      void qc.invalidateQueries({ queryKey: ['users', slug] });
    } catch (e) {
      reportFormError(e, form.setError, ['display_name', 'email', 'password', 'role']);
    }
  });
  return (
    <div>
      <div className="row between wrap">
        <h1>{t('console.nav.users')}</h1>
        <button className="btn primary" onClick={() => setCreating((c) => !c)}>
          {creating ? t('common.cancel') : t('users.new')}
        </button>
      </div>
      {creating && (
        <form className="panel form grid-form" onSubmit={create} noValidate aria-label={t('users.new')}>
          <TextField label={t('auth.displayName')} error={err('display_name')} {...form.register('display_name')} />
          <TextField label={t('auth.email')} type="email" error={err('email')} {...form.register('email')} />
          <TextField label={t('auth.password')} type="password" autoComplete="new-password" hint={t('auth.passwordHint')} error={err('password')} {...form.register('password')} />
          <SelectField label={t('users.role')} error={err('role')} {...form.register('role')}>
            <RoleOptions />
          </SelectField>
          <div className="span-2">
            <button className="btn primary" type="submit" disabled={form.formState.isSubmitting}>
              {t('common.create')}
            </button>
          </div>
        </form>
      )}
      <RoleFilter
        value={role}
        onChange={(r) => {
          setRole(r);
          setPage(1);
        }}
      />
      {list.isPending ? (
        <Skeleton lines={6} />
      ) : list.isError ? (
        <ErrorView error={list.error} retry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty title={t('users.none')} />
      ) : (
        <>
          <UserTable users={list.data.items} busy={patch.isPending} patch={(u, body) => patch.mutate({ id: u.id, body })} />
          <Pagination page={page} perPage={25} total={list.data.total} onPage={setPage} />
        </>
      )}
    </div>
  );
}
