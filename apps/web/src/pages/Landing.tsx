import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { isSlug } from '../lib/tenant';
import { LanguageSwitcher } from '../components/LanguageSwitcher';

/** Without a tenant in the path or host: pick one. */
export function Landing({ console: toConsole = false }: { console?: boolean }) {
  const { t } = useTranslation();
  const nav = useNavigate();
  const [slug, setSlug] = useState('');
  const [err, setErr] = useState('');
  return (
    <div className="landing">
      <header className="topbar">
        <span className="brand">🎟 Taquilla</span>
        <LanguageSwitcher />
      </header>
      <main className="container narrow">
        <h1>{toConsole ? t('landing.consoleTitle') : t('landing.title')}</h1>
        <p className="muted">{t('landing.intro')}</p>
        <form
          className="panel"
          onSubmit={(e) => {
            e.preventDefault();
            const s = slug.trim().toLowerCase();
            if (!isSlug(s)) {
              setErr(t('landing.badSlug'));
              return;
            }
            nav(toConsole ? `/console/${s}` : `/t/${s}`);
          }}
        >
          <div className={`field${err ? ' has-error' : ''}`}>
            <label htmlFor="slug">{t('landing.slug')}</label>
            <input
              id="slug"
              value={slug}
              onChange={(e) => {
                setSlug(e.target.value);
                setErr('');
              }}
              placeholder="demo"
              autoFocus
              aria-invalid={!!err}
              aria-describedby={err ? 'slug-err' : undefined}
            />
            {err && (
              <small id="slug-err" className="field-error" role="alert">
                {err}
              </small>
            )}
          </div>
          <div className="row">
            <button className="btn primary" type="submit">
              {toConsole ? t('landing.openConsole') : t('landing.openStore')}
            </button>
          </div>
        </form>
        <p className="row">
          {toConsole ? (
            <a href="/">{t('landing.storefront')}</a>
          ) : (
            <a href="/console">{t('landing.console')}</a>
          )}
          <a href="/admin">{t('landing.admin')}</a>
        </p>
      </main>
    </div>
  );
}
