import { lazy, Suspense } from 'react';
import { Link, NavLink, Route, Routes, useLocation, useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { TenantProvider, usePublicTenant, useTenant } from '../../lib/TenantContext';
import { CONSOLE_ROLES, hasRole, useSession, type Role } from '../../api/auth';
import { ErrorBoundary } from '../../components/ErrorBoundary';
import { LanguageSwitcher } from '../../components/LanguageSwitcher';
import { SkipLink, Spinner } from '../../components/ui';
import { LoginForm, logout } from '../AuthForms';

const Dashboard = lazy(() => import('./Dashboard'));
const Events = lazy(() => import('./Events'));
const EventDetail = lazy(() => import('./EventDetail'));
const SessionDetail = lazy(() => import('./SessionDetail'));
const SeatEditor = lazy(() => import('./SeatEditor'));
const Coupons = lazy(() => import('./Coupons'));
const Scripts = lazy(() => import('./Scripts'));
const ScriptEditor = lazy(() => import('./ScriptEditor'));
const Webhooks = lazy(() => import('./Webhooks'));
const ApiKeys = lazy(() => import('./ApiKeys'));
const Users = lazy(() => import('./Users'));
const Audit = lazy(() => import('./Audit'));
const Notifications = lazy(() => import('./Notifications'));
const Templates = lazy(() => import('./Templates'));
const TemplateEditor = lazy(() => import('./TemplateEditor'));
const BulkImport = lazy(() => import('./BulkImport'));
const Checkin = lazy(() => import('./Checkin'));
const Orders = lazy(() => import('./Orders'));
const Settings = lazy(() => import('./Settings'));

const ADMIN: Role[] = ['tenant_admin'];
const ORG: Role[] = ['tenant_admin', 'organizer'];
const ALL: Role[] = CONSOLE_ROLES;

export const NAV: { to: string; key: string; roles: Role[] }[] = [
  { to: '', key: 'dashboard', roles: ALL },
  { to: 'events', key: 'events', roles: ALL },
  { to: 'import', key: 'import', roles: ORG },
  { to: 'checkin', key: 'checkin', roles: ALL },
  { to: 'orders', key: 'orders', roles: ORG },
  { to: 'coupons', key: 'coupons', roles: ORG },
  { to: 'notifications', key: 'notifications', roles: ORG },
  { to: 'templates', key: 'templates', roles: ADMIN },
  { to: 'scripts', key: 'scripts', roles: ADMIN },
  { to: 'webhooks', key: 'webhooks', roles: ADMIN },
  { to: 'api-keys', key: 'apiKeys', roles: ADMIN },
  { to: 'users', key: 'users', roles: ADMIN },
  { to: 'audit', key: 'audit', roles: ADMIN },
  { to: 'settings', key: 'settings', roles: ADMIN },
];

function ConsoleLogin({ slug }: { slug: string }) {
  const { t } = useTranslation();
  const session = useSession(slug);
  const nav = useNavigate();
  return (
    <div className="landing">
      <header className="topbar">
        <span className="brand">🎟 {slug} · {t('console.title')}</span>
        <LanguageSwitcher />
      </header>
      <main className="container narrow">
        <h1>{t('console.loginTitle')}</h1>
        {session && !hasRole(session, ...CONSOLE_ROLES) && (
          <p className="panel error-panel" role="alert">
            {t('console.notStaff')}
          </p>
        )}
        <LoginForm tenant={slug} onDone={() => nav(`/console/${slug}`, { replace: true })} />
        <p>
          <a href={`/t/${slug}`}>{t('landing.storefront')}</a>
        </p>
      </main>
    </div>
  );
}

function Guard({ roles, children }: { roles: Role[]; children: React.ReactNode }) {
  const { t } = useTranslation();
  const loc = useLocation();
  const slug = loc.pathname.split('/')[2];
  const s = useSession(slug);
  if (!hasRole(s, ...roles)) return <p className="panel error-panel">{t('console.forbidden')}</p>;
  return <>{children}</>;
}

export default function ConsoleApp({ slug }: { slug: string }) {
  const { t } = useTranslation();
  const session = useSession(slug);
  const loc = useLocation();
  const nav = useNavigate();
  const qc = useQueryClient();
  if (!session || !hasRole(session, ...CONSOLE_ROLES)) return <ConsoleLogin slug={slug} />;
  const role = session.user.role;
  const base = `/console/${slug}`;
  const g = (roles: Role[], el: React.ReactNode) => <Guard roles={roles}>{el}</Guard>;
  return (
    <TenantProvider slug={slug} base={`/t/${slug}`}>
      <div className="console">
        <SkipLink />
        <header className="topbar">
          <Link to={base} className="brand">
            🎟 <TenantName /> · {t('console.title')}
          </Link>
          <div className="topbar-end">
            <span className="muted small">
              {session.user.display_name} · {t(`roles.${role}`)}
            </span>
            <LanguageSwitcher />
            <a className="btn small" href={`/t/${slug}`}>
              {t('landing.storefront')}
            </a>
            <button
              className="btn small"
              onClick={async () => {
                await logout(slug, session.refreshToken);
                qc.clear();
                nav(base);
              }}
            >
              {t('auth.logout')}
            </button>
          </div>
        </header>
        <div className="console-body">
          <nav className="sidebar" aria-label={t('nav.console')}>
            {NAV.filter((n) => n.roles.includes(role)).map((n) => (
              <NavLink key={n.key} to={n.to ? `${base}/${n.to}` : base} end={!n.to}>
                {t(`console.nav.${n.key}`)}
              </NavLink>
            ))}
          </nav>
          <main className="console-main" id="content" tabIndex={-1}>
            <ErrorBoundary resetKey={loc.pathname}>
              <Suspense fallback={<Spinner />}>
                <Routes>
                  <Route index element={<Dashboard />} />
                  <Route path="events" element={<Events />} />
                  <Route path="events/:eventId" element={<EventDetail />} />
                  <Route path="events/:eventId/sessions/:sid" element={<SessionDetail />} />
                  <Route path="events/:eventId/sessions/:sid/seats/:ttid" element={g(ORG, <SeatEditor />)} />
                  <Route path="import" element={g(ORG, <BulkImport />)} />
                  <Route path="checkin" element={<Checkin />} />
                  <Route path="orders" element={g(ORG, <Orders />)} />
                  <Route path="coupons" element={g(ORG, <Coupons />)} />
                  <Route path="notifications" element={g(ORG, <Notifications />)} />
                  <Route path="templates" element={g(ADMIN, <Templates />)} />
                  <Route path="templates/:name" element={g(ADMIN, <TemplateEditor />)} />
                  <Route path="scripts" element={g(ADMIN, <Scripts />)} />
                  <Route path="scripts/:id" element={g(ADMIN, <ScriptEditor />)} />
                  <Route path="webhooks" element={g(ADMIN, <Webhooks />)} />
                  <Route path="api-keys" element={g(ADMIN, <ApiKeys />)} />
                  <Route path="users" element={g(ADMIN, <Users />)} />
                  <Route path="audit" element={g(ADMIN, <Audit />)} />
                  <Route path="settings" element={g(ADMIN, <Settings />)} />
                  <Route path="*" element={<p>{t('common.notFound')}</p>} />
                </Routes>
              </Suspense>
            </ErrorBoundary>
          </main>
        </div>
      </div>
    </TenantProvider>
  );
}

function TenantName() {
  const { slug } = useTenant();
  return <>{usePublicTenant().data?.name ?? slug}</>;
}
