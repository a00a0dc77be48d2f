import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen } from '@testing-library/react';
import i18n from '../i18n';
import { Countdown } from './Countdown';
import { clock } from '../lib/format';

describe('Countdown', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2030-01-01T10:00:00Z'));
    void i18n.changeLanguage('en');
  });
  afterEach(() => vi.useRealTimers());

  it('formats the time left', () => {
    expect(clock(0)).toBe('0:00');
    expect(clock(61_000)).toBe('1:01');
    expect(clock(599_500)).toBe('10:00');
    expect(clock(3_600_000 + 5_000)).toBe('1:00:05');
    expect(clock(-5)).toBe('0:00');
  });

  it('counts down to the hold expiry and fires onExpire once', () => {
    const onExpire = vi.fn();
    render(<Countdown until="2030-01-01T10:02:00Z" onExpire={onExpire} />);
    expect(screen.getByRole('timer')).toHaveTextContent('Expires in 2:00');
    act(() => void vi.advanceTimersByTime(61_000));
    expect(screen.getByRole('timer')).toHaveTextContent('Expires in 0:59');
    expect(screen.getByRole('timer')).toHaveClass('urgent');
    expect(onExpire).not.toHaveBeenCalled();
    act(() => void vi.advanceTimersByTime(60_000));
    expect(screen.getByRole('timer')).toHaveTextContent('Expired');
    act(() => void vi.advanceTimersByTime(5_000));
    expect(onExpire).toHaveBeenCalledTimes(1);
  });
});
