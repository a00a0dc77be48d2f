import { describe, expect, it } from 'vitest';
import { act, fireEvent, render, screen } from '@testing-library/react';
import { useTranslation } from 'react-i18next';
import i18n, { setLanguage } from './index';
import en from './en';
import es from './es';
import { LanguageSwitcher } from '../components/LanguageSwitcher';

function keys(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

function Sample() {
  const { t } = useTranslation();
  return (
    <div>
      <LanguageSwitcher />
      <h1>{t('nav.myTickets')}</h1>
      <p>{t('store.resultCount', { count: 2 })}</p>
    </div>
  );
}

describe('i18n', () => {
  it('has the same keys in English and Spanish, none empty', () => {
    expect(keys(es).sort()).toEqual(keys(en).sort());
    for (const k of keys(es)) expect(k.split('.').reduce((o: never, p) => o[p], es as never)).not.toBe('');
  });

  it('switches language from the switcher and remembers it', async () => {
    await act(() => setLanguage('en'));
    render(<Sample />);
    expect(screen.getByRole('heading')).toHaveTextContent('My tickets');
    expect(screen.getByText('2 events')).toBeInTheDocument();
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Language'), { target: { value: 'es' } });
    });
    expect(screen.getByRole('heading')).toHaveTextContent('Mis entradas');
    expect(screen.getByText('2 eventos')).toBeInTheDocument();
    expect(localStorage.getItem('taquilla.lang')).toBe('es');
    expect(document.documentElement.lang).toBe('es');
    expect(i18n.language).toBe('es');
    await act(() => setLanguage('en'));
  });
});
