import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { hostTenant, isSlug } from './lib/tenant';
import { Spinner } from './components/ui';
import { StoreApp } from './pages/store/StoreApp';
import { Landing } from './pages/Landing';

const ConsoleApp = lazy(() => import('./pages/console/ConsoleApp'));
const AdminApp = lazy(() => import('./pages/admin/AdminApp'));

function StoreFromPath() {
  const { slug = '' } = useParams();
  const s = slug.toLowerCase();
  if (!isSlug(s)) return <NotFound />;
  return <StoreApp slug={s} base={`/t/${s}`} />;
}

function ConsoleFromPath() {
  const { slug = '' } = useParams();
  const s = slug.toLowerCase();
  if (!isSlug(s)) return <NotFound />;
  return (
    <Suspense fallback={<Spinner />}>
      <ConsoleApp slug={s} />
    </Suspense>
  );
}

function ConsoleRoot() {
  const host = hostTenant();
  return host ? <Navigate to={`/console/${host}`} replace /> : <Landing console />;
}

export function NotFound() {
  const { t } = useTranslation();
  return (
    <main className="container">
      <h1>{t('common.notFound')}</h1>
      <a href="/">{t('common.home')}</a>
    </main>
  );
}

/**
 * Storefront `/t/:slug/…` (or `/…` on a tenant subdomain), console
 * `/console/:slug/…`, platform admin `/admin/…`.
 */
export function App() {
  const host = hostTenant();
  return (
    <Routes>
      <Route path="/t/:slug/*" element={<StoreFromPath />} />
      <Route path="/console" element={<ConsoleRoot />} />
      <Route path="/console/:slug/*" element={<ConsoleFromPath />} />
      <Route
        path="/admin/*"
        element={
          <Suspense fallback={<Spinner />}>
            <AdminApp />
          </Suspense>
        }
      />
      <Route path="/*" element={host ? <StoreApp slug={host} base="" /> : <Landing />} />
    </Routes>
  );
}
