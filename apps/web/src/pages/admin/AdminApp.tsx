import { useState } from 'react';
import { Link, NavLink, Route, Routes, useLocation, useNavigate, useParams } from 'react-router';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { apiFor, call } from '../../api/client';
import type { components } from '../../api/schema';
import { hasRole, useSession, type Role } from '../../api/auth';
import { isSlug } from '../../lib/tenant';
import { dateTime } from '../../lib/format';
import { reportFormError, toastError } from '../../lib/forms';
import { ErrorBoundary } from '../../components/ErrorBoundary';
import { LanguageSwitcher } from '../../components/LanguageSwitcher';
import { Badge, Empty, ErrorView, Pagination, SelectField, Skeleton, TextField } from '../../components/ui';
import { LoginForm, logout } from '../AuthForms';
import { useDebounced } from '../../lib/useDebounced';
import { RoleFilter, UserTable } from '../console/Users';

type TenantView = components['schemas']['TenantView'];
type Plan = components['schemas']['Plan'];
const PLANS: Plan[] = ['free', 'standard', 'enterprise'];
const api = () => apiFor(null);

function Tenants() {
  const { t } = useTranslation();
  const [page, setPage] = useState(1);
  const q = useQuery({
    queryKey: ['admin-tenants', page],
    placeholderData: keepPreviousData,
    queryFn: () => call(api().GET('/api/v1/admin/tenants', { params: { query: { page, per_page: 25 } } })),
  });
  return (
    <div>
      <div className="row between wrap">
        <h1>{t('admin.tenants')}</h1>
        <Link className="btn primary" to="/admin/tenants/new">
          {t('admin.onboard')}
        </Link>
      </div>
      {q.isPending ? (
        <Skeleton lines={6} />
      ) : q.isError ? (
        <ErrorView error={q.error} retry={() => void q.refetch()} loginTo="/admin" />
      ) : q.data.items.length === 0 ? (
        <Empty title={t('admin.noTenants')} />
      ) : (
        <>
          <table className="table">
            <thead>
              <tr>
                <th>{t('admin.name')}</th>
                <th>{t('admin.slug')}</th>
                <th>{t('admin.plan')}</th>
                <th>{t('hooks.status')}</th>
                <th>{t('admin.created')}</th>
              </tr>
            </thead>
            <tbody>
              {q.data.items.map((x) => (
                <tr key={x.id}>
                  <td>
                    <Link to={`/admin/tenants/${x.id}`}>{x.name}</Link>
                  </td>
                  <td>
                    <code>{x.slug}</code>
                  </td>
                  <td>{t(`admin.plans.${x.plan}`)}</td>
                  <td>
                    <Badge kind={x.status === 'active' ? 'on_sale' : 'cancelled'}>{t(`admin.st.${x.status}`)}</Badge>
                  </td>
                  <td>{dateTime(x.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pagination page={page} perPage={25} total={q.data.total} onPage={setPage} />
        </>
      )}
    </div>
  );
}

const wizardSchema = z.object({
  slug: z.string().trim().toLowerCase().refine(isSlug, 'v.slug'),
  name: z.string().trim().min(1, 'v.required').max(200, 'v.tooLong'),
  plan: z.enum(['free', 'standard', 'enterprise']),
  admin_email: z.string().trim().email('v.email'),
  admin_name: z.string().trim().max(120, 'v.tooLong'),
  admin_password: z.string().min(10, 'v.password'),
});
type WizardValues = z.infer<typeof wizardSchema>;
const STEP_FIELDS: (keyof WizardValues)[][] = [['slug', 'name', 'plan'], ['admin_email', 'admin_name', 'admin_password'], []];

function Onboard() {
  const { t } = useTranslation();
  const nav = useNavigate();
  const qc = useQueryClient();
  const [step, setStep] = useState(0);
  const form = useForm<WizardValues>({
    resolver: zodResolver(wizardSchema),
    defaultValues: { slug: '', name: '', plan: 'free', admin_email: '', admin_name: '', admin_password: '' },
    mode: 'onTouched',
  });
  const err = (k: keyof WizardValues) => {
    const m = form.formState.errors[k]?.message;
    return m ? t(m, { defaultValue: m }) : undefined;
  };
  const next = async () => {
    if (await form.trigger(STEP_FIELDS[step])) setStep((s) => s + 1);
  };
  const submit = form.handleSubmit(async (v) => {
    try {
      const r = await call(
        api().POST('/api/v1/admin/tenants', {
          body: {
            slug: v.slug,
            name: v.name,
            plan: v.plan,
            admin: { email: v.admin_email, password: v.admin_password, display_name: v.admin_name || null },
          },
        }),
      );
      toast.success(t('admin.onboarded', { name: r.tenant.name }));
      void qc.invalidateQueries({ queryKey: ['admin-tenants'] });
      nav(`/admin/tenants/${r.tenant.id}`);
    } catch (e) {
      const aliases = { 'admin.email': 'admin_email', 'admin.password': 'admin_password', 'admin.display_name': 'admin_name' };
      reportFormError(e, form.setError, Object.keys(wizardSchema.shape), aliases);
      const names = Object.keys(form.formState.errors) as (keyof WizardValues)[];
      const first = STEP_FIELDS.findIndex((fs) => fs.some((f) => names.includes(f)));
      if (first >= 0) setStep(first);
    }
  });
  const v = form.watch();
  return (
    <div>
      <h1>{t('admin.onboard')}</h1>
      <ol className="steps" aria-label={t('admin.steps')}>
        {['admin.stepTenant', 'admin.stepAdmin', 'admin.stepReview'].map((k, i) => (
          <li key={k} className={i === step ? 'current' : i < step ? 'done' : ''} aria-current={i === step ? 'step' : undefined}>
            {t(k)}
          </li>
        ))}
      </ol>
      <form className="panel form" onSubmit={submit} noValidate>
        <div hidden={step !== 0}>
          <TextField label={t('admin.slug')} hint={t('admin.slugHint')} error={err('slug')} {...form.register('slug')} />
          <TextField label={t('admin.name')} error={err('name')} {...form.register('name')} />
          <SelectField label={t('admin.plan')} error={err('plan')} {...form.register('plan')}>
            {PLANS.map((p) => (
              <option key={p} value={p}>
                {t(`admin.plans.${p}`)}
              </option>
            ))}
          </SelectField>
        </div>
        <div hidden={step !== 1}>
          <TextField label={t('auth.email')} type="email" error={err('admin_email')} {...form.register('admin_email')} />
          <TextField label={t('auth.displayName')} error={err('admin_name')} {...form.register('admin_name')} />
          <TextField label={t('auth.password')} type="password" autoComplete="new-password" hint={t('auth.passwordHint')} error={err('admin_password')} {...form.register('admin_password')} />
        </div>
        {step === 2 && (
          <dl className="review">
            <dt>{t('admin.slug')}</dt>
            <dd>
              <code>{v.slug}</code>
            </dd>
            <dt>{t('admin.name')}</dt>
            <dd>{v.name}</dd>
            <dt>{t('admin.plan')}</dt>
            <dd>{t(`admin.plans.${v.plan}`)}</dd>
            <dt>{t('admin.firstAdmin')}</dt>
            <dd>
              {v.admin_name} &lt;{v.admin_email}&gt;
            </dd>
          </dl>
        )}
        <div className="row">
          {step > 0 && (
            <button type="button" className="btn" onClick={() => setStep((s) => s - 1)}>
              ← {t('common.prev')}
            </button>
          )}
          {/* Distinct keys: React must not turn the clicked "Next" button into
              the submit button while the click is still being handled (the
              form would be sent at once, skipping the review). */}
          {step < 2 ? (
            <button key="next" type="button" className="btn primary" onClick={() => void next()}>
              {t('common.next')} →
            </button>
          ) : (
            <button key="submit" type="submit" className="btn primary" disabled={form.formState.isSubmitting}>
              {form.formState.isSubmitting ? t('common.working') : t('admin.create')}
            </button>
          )}
        </div>
      </form>
    </div>
  );
}

function TenantUsers({ tenantId }: { tenantId: string }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [role, setRole] = useState<Role | ''>('');
  const [page, setPage] = useState(1);
  const q = useQuery({
    queryKey: ['admin-users', tenantId, role, page],
    placeholderData: keepPreviousData,
    queryFn: () =>
      call(
        api().GET('/api/v1/admin/tenants/{id}/users', {
          params: { path: { id: tenantId }, query: { role: role || undefined, page, per_page: 25 } },
        }),
      ),
  });
  const patch = useMutation({
    mutationFn: ({ uid, body }: { uid: string; body: { role?: Role; active?: boolean } }) =>
      call(api().PATCH('/api/v1/admin/tenants/{id}/users/{uid}', { params: { path: { id: tenantId, uid } }, body })),
    onSuccess: () => {
      toast.success(t('common.saved'));
      void qc.invalidateQueries({ queryKey: ['admin-users', tenantId] });
    },
    onError: toastError,
  });
  return (
    <section>
      <div className="row between wrap">
        <h2>{t('console.nav.users')}</h2>
        <RoleFilter
          value={role}
          onChange={(r) => {
            setRole(r);
            setPage(1);
          }}
        />
      </div>
      {q.isPending ? (
        <Skeleton lines={5} />
      ) : q.isError ? (
        <ErrorView error={q.error} retry={() => void q.refetch()} />
      ) : q.data.items.length === 0 ? (
        <Empty title={t('users.none')} />
      ) : (
        <>
          <UserTable users={q.data.items} busy={patch.isPending} patch={(u, body) => patch.mutate({ uid: u.id, body })} />
          <Pagination page={page} perPage={25} total={q.data.total} onPage={setPage} />
        </>
      )}
    </section>
  );
}

function TenantDetail() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['admin-tenant', id],
    queryFn: () => call(api().GET('/api/v1/admin/tenants/{id}', { params: { path: { id } } })),
  });
  const patch = useMutation({
    mutationFn: (body: { name?: string; status?: 'active' | 'suspended'; plan?: Plan }) =>
      call(api().PATCH('/api/v1/admin/tenants/{id}', { params: { path: { id } }, body })),
    onSuccess: (x: TenantView) => {
      qc.setQueryData(['admin-tenant', id], x);
      void qc.invalidateQueries({ queryKey: ['admin-tenants'] });
      toast.success(t('common.saved'));
    },
    onError: toastError,
  });
  const [name, setName] = useState<string | null>(null);
  if (q.isPending) return <Skeleton lines={6} />;
  if (q.isError) return <ErrorView error={q.error} retry={() => void q.refetch()} />;
  const x = q.data;
  return (
    <div>
      <nav className="crumbs" aria-label={t('nav.breadcrumbs')}>
        <Link to="/admin">{t('admin.tenants')}</Link> / <span>{x.name}</span>
      </nav>
      <div className="row between wrap">
        <h1>
          {x.name} <Badge kind={x.status === 'active' ? 'on_sale' : 'cancelled'}>{t(`admin.st.${x.status}`)}</Badge>
        </h1>
        <div className="row wrap">
          {x.status === 'active' ? (
            <button className="btn danger" disabled={patch.isPending} onClick={() => confirm(t('admin.confirmSuspend', { name: x.name })) && patch.mutate({ status: 'suspended' })}>
              {t('admin.suspend')}
            </button>
          ) : (
            <button className="btn primary" disabled={patch.isPending} onClick={() => patch.mutate({ status: 'active' })}>
              {t('admin.reactivate')}
            </button>
          )}
          <a className="btn" href={`/t/${x.slug}`}>
            {t('landing.storefront')}
          </a>
          <a className="btn" href={`/console/${x.slug}`}>
            {t('nav.console')}
          </a>
        </div>
      </div>
      <section className="panel form grid-form">
        <div className="field">
          <label htmlFor="t-name">{t('admin.name')}</label>
          <div className="row">
            <input id="t-name" value={name ?? x.name} onChange={(e) => setName(e.target.value)} />
            <button className="btn" disabled={!name || name === x.name || patch.isPending} onClick={() => name && patch.mutate({ name })}>
              {t('common.save')}
            </button>
          </div>
        </div>
        <div className="field">
          <label htmlFor="t-plan">{t('admin.plan')}</label>
          <select id="t-plan" value={x.plan} disabled={patch.isPending} onChange={(e) => patch.mutate({ plan: e.target.value as Plan })}>
            {PLANS.map((p) => (
              <option key={p} value={p}>
                {t(`admin.plans.${p}`)}
              </option>
            ))}
          </select>
        </div>
        <p className="small muted span-2">
          <code>{x.slug}</code> · {t('admin.created')} {dateTime(x.created_at)}
        </p>
      </section>
      <TenantUsers tenantId={x.id} />
    </div>
  );
}

/** Users of every tenant: search by e-mail or name without knowing the tenant. */
function AllUsers() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [text, setText] = useState('');
  const [role, setRole] = useState<Role | ''>('');
  const [page, setPage] = useState(1);
  const q = useDebounced(text.trim(), 300);
  const hits = useQuery({
    queryKey: ['admin-all-users', q, role, page],
    placeholderData: keepPreviousData,
    queryFn: () =>
      call(api().GET('/api/v1/admin/users', { params: { query: { q: q || undefined, role: role || undefined, page, per_page: 25 } } })),
  });
  const patch = useMutation({
    mutationFn: ({ tenantId, uid, body }: { tenantId: string; uid: string; body: { role?: Role; active?: boolean; is_member?: boolean } }) =>
      call(api().PATCH('/api/v1/admin/tenants/{id}/users/{uid}', { params: { path: { id: tenantId, uid } }, body })),
    onSuccess: () => {
      toast.success(t('common.saved'));
      void qc.invalidateQueries({ queryKey: ['admin-all-users'] });
    },
    onError: toastError,
  });
  const items = hits.data?.items ?? [];
  const tenantOf = new Map(items.map((h) => [h.user.id, h.tenant]));
  return (
    <div>
      <h1>{t('admin.users')}</h1>
      <div className="row wrap">
        <div className="field grow">
          <label htmlFor="u-search">{t('admin.userSearch')}</label>
          <input
            id="u-search"
            type="search"
            maxLength={100}
            value={text}
            placeholder={t('admin.userSearchHint')}
            onChange={(e) => {
              setText(e.target.value);
              setPage(1);
            }}
          />
        </div>
        <RoleFilter
          value={role}
          onChange={(r) => {
            setRole(r);
            setPage(1);
          }}
        />
      </div>
      {hits.isPending ? (
        <Skeleton lines={5} />
      ) : hits.isError ? (
        <ErrorView error={hits.error} retry={() => void hits.refetch()} />
      ) : items.length === 0 ? (
        <Empty title={t('users.none')} />
      ) : (
        <section aria-busy={hits.isFetching}>
          <UserTable
            users={items.map((h) => h.user)}
            busy={patch.isPending}
            tenantOf={(u) => {
              const x = tenantOf.get(u.id);
              return x ? <Link to={`/admin/tenants/${x.id}`}>{x.name}</Link> : null;
            }}
            patch={(u, body) => {
              const x = tenantOf.get(u.id);
              if (x) patch.mutate({ tenantId: x.id, uid: u.id, body });
            }}
          />
          <Pagination page={page} perPage={25} total={hits.data.total} onPage={setPage} />
        </section>
      )}
    </div>
  );
}

export default function AdminApp() {
  const { t } = useTranslation();
  const session = useSession(null);
  const loc = useLocation();
  const nav = useNavigate();
  const qc = useQueryClient();
  if (!session || !hasRole(session, 'platform_admin')) {
    return (
      <div className="landing">
        <header className="topbar">
          <span className="brand">🎟 Taquilla · {t('admin.title')}</span>
          <LanguageSwitcher />
        </header>
        <main className="container narrow">
          <h1>{t('admin.loginTitle')}</h1>
          <LoginForm tenant={null} onDone={() => nav('/admin', { replace: true })} />
        </main>
      </div>
    );
  }
  return (
    <div className="console">
      <header className="topbar">
        <Link to="/admin" className="brand">
          🎟 Taquilla · {t('admin.title')}
        </Link>
        <div className="topbar-end">
          <span className="muted small">{session.user.email}</span>
          <LanguageSwitcher />
          <button
            className="btn small"
            onClick={async () => {
              await logout(null, session.refreshToken);
              qc.clear();
              nav('/admin');
            }}
          >
            {t('auth.logout')}
          </button>
        </div>
      </header>
      <div className="console-body">
        <nav className="sidebar" aria-label={t('admin.title')}>
          <NavLink to="/admin" end>
            {t('admin.tenants')}
          </NavLink>
          <NavLink to="/admin/tenants/new">{t('admin.onboard')}</NavLink>
          <NavLink to="/admin/users">{t('admin.users')}</NavLink>
        </nav>
        <main className="console-main">
          <ErrorBoundary resetKey={loc.pathname}>
            <Routes>
              <Route index element={<Tenants />} />
              <Route path="tenants/new" element={<Onboard />} />
              <Route path="tenants/:id" element={<TenantDetail />} />
              <Route path="users" element={<AllUsers />} />
              <Route path="*" element={<p>{t('common.notFound')}</p>} />
            </Routes>
          </ErrorBoundary>
        </main>
      </div>
    </div>
  );
}
