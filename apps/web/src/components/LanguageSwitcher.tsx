import { useTranslation } from 'react-i18next';
import { LANGUAGES, setLanguage, type Language } from '../i18n';

export function LanguageSwitcher() {
  const { t, i18n } = useTranslation();
  return (
    <label className="lang">
      <span className="sr-only">{t('common.language')}</span>
      <select
        value={i18n.resolvedLanguage ?? i18n.language}
        onChange={(e) => void setLanguage(e.target.value as Language)}
        aria-label={t('common.language')}
      >
        {LANGUAGES.map((l) => (
          <option key={l} value={l}>
            {l === 'en' ? 'English' : 'Español'}
          </option>
        ))}
      </select>
    </label>
  );
}
