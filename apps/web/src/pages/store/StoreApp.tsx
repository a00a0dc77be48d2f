import { Link, NavLink, Route, Routes, useLocation, useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import type { CSSProperties } from 'react';
import { readableBrand } from '../../lib/tenant';
import { TenantProvider, usePublicTenant, useStorePath, useTenant } from '../../lib/TenantContext';
import { CONSOLE_ROLES, hasRole, useSession } from '../../api/auth';
import { ErrorBoundary } from '../../components/ErrorBoundary';
import { LanguageSwitcher } from '../../components/LanguageSwitcher';
import { SkipLink } from '../../components/ui';
import { LoginForm, RegisterForm, logout } from '../AuthForms';
import { EventList } from './EventList';
import { EventPage } from './EventPage';
import { SessionPage } from './SessionPage';
import { CheckoutPage } from './CheckoutPage';
import { OrderPage } from './OrderPage';
import { MyTickets } from './MyTickets';
import { ProfilePage } from './ProfilePage';
import { ResalePage } from './ResalePage';

function StoreHeader() {
  const { t } = useTranslation();
  const { slug } = useTenant();
  const face = usePublicTenant();
  const p = useStorePath();
  const s = useSession(slug);
  const nav = useNavigate();
  const qc = useQueryClient();
  return (
    <header className="topbar">
      <Link to={p('/')} className="brand">
        🎟 <span>{face.data?.name ?? slug}</span>
      </Link>
      <nav className="topnav" aria-label={t('nav.main')}>
        <NavLink to={p('/')} end>
          {t('nav.events')}
        </NavLink>
        <NavLink to={p('/resale')}>{t('nav.resale')}</NavLink>
        {s && <NavLink to={p('/tickets')}>{t('nav.myTickets')}</NavLink>}
        {s && <NavLink to={p('/me')}>{t('nav.profile')}</NavLink>}
        {hasRole(s, ...CONSOLE_ROLES) && <a href={`/console/${slug}`}>{t('nav.console')}</a>}
      </nav>
      <div className="topbar-end">
        <LanguageSwitcher />
        {s ? (
          <button
            className="btn small"
            onClick={async () => {
              await logout(slug, s.refreshToken);
              qc.clear();
              nav(p('/'));
            }}
          >
            {t('auth.logout')}
          </button>
        ) : (
          <Link className="btn small primary" to={p('/login')}>
            {t('auth.login')}
          </Link>
        )}
      </div>
    </header>
  );
}

function useNext(): string {
  const [sp] = useSearchParams();
  const p = useStorePath();
  const next = sp.get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : p('/');
}

function StoreLogin() {
  const { t } = useTranslation();
  const { slug } = useTenant();
  const nav = useNavigate();
  const next = useNext();
  const p = useStorePath();
  return (
    <main className="container narrow">
      <h1>{t('auth.loginTitle')}</h1>
      <LoginForm tenant={slug} onDone={() => nav(next, { replace: true })} />
      <p>
        {t('auth.noAccount')} <Link to={`${p('/register')}?next=${encodeURIComponent(next)}`}>{t('auth.register')}</Link>
      </p>
    </main>
  );
}

function StoreRegister() {
  const { t } = useTranslation();
  const { slug } = useTenant();
  const nav = useNavigate();
  const next = useNext();
  const p = useStorePath();
  return (
    <main className="container narrow">
      <h1>{t('auth.registerTitle')}</h1>
      <RegisterForm tenant={slug} onDone={() => nav(next, { replace: true })} />
      <p>
        {t('auth.haveAccount')} <Link to={`${p('/login')}?next=${encodeURIComponent(next)}`}>{t('auth.login')}</Link>
      </p>
    </main>
  );
}

function NotFoundHere() {
  const { t } = useTranslation();
  const p = useStorePath();
  return (
    <main className="container">
      <h1>{t('common.notFound')}</h1>
      <Link to={p('/')}>{t('nav.events')}</Link>
    </main>
  );
}

/** The storefront of one tenant; `base` is `/t/<slug>` or `` on its subdomain. */
export function StoreApp({ slug, base }: { slug: string; base: string }) {
  return (
    <TenantProvider slug={slug} base={base}>
      <Storefront />
    </TenantProvider>
  );
}

function Storefront() {
  const loc = useLocation();
  const face = usePublicTenant();
  const brand = readableBrand(face.data?.brand_color);
  return (
      <div className="store" style={brand ? ({ '--brand': brand } as CSSProperties) : undefined}>
        <SkipLink />
        <StoreHeader />
        <div id="content" tabIndex={-1}>
        <ErrorBoundary resetKey={loc.pathname}>
          <Routes>
            <Route index element={<EventList />} />
            <Route path="events/:eventId" element={<EventPage />} />
            <Route path="events/:eventId/sessions/:sid" element={<SessionPage />} />
            <Route path="checkout/:holdId" element={<CheckoutPage />} />
            <Route path="orders/:orderId" element={<OrderPage />} />
            <Route path="tickets" element={<MyTickets />} />
            <Route path="me" element={<ProfilePage />} />
            <Route path="resale" element={<ResalePage />} />
            <Route path="login" element={<StoreLogin />} />
            <Route path="register" element={<StoreRegister />} />
            <Route path="*" element={<NotFoundHere />} />
          </Routes>
        </ErrorBoundary>
        </div>
      </div>
  );
}

/** Sends anonymous visitors to the login page and back here afterwards. */
export function useLoginPath(): string {
  const p = useStorePath();
  const loc = useLocation();
  return `${p('/login')}?next=${encodeURIComponent(loc.pathname + loc.search)}`;
}
