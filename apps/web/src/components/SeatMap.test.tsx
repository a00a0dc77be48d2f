import { describe, expect, it, vi } from 'vitest';
import { useState } from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import '../i18n';
import { SeatMap, type Seat } from './SeatMap';

const seat = (label: string, x: number, state = 'available', tt = 'tt1'): Seat => ({
  id: `id-${label}`,
  ticket_type_id: tt,
  row: label[0],
  number: Number(label.slice(1)),
  label,
  x,
  y: label[0] === 'A' ? 0 : 1.2,
  state,
});
const SEATS = [seat('A1', 0), seat('A2', 1, 'sold'), seat('A3', 2, 'held'), seat('B1', 0), seat('B2', 1, 'available', 'tt2')];

function Picker({ onChange, ticketTypeId }: { onChange?: (ids: string[]) => void; ticketTypeId?: string }) {
  const [sel, setSel] = useState<Set<string>>(new Set());
  return (
    <SeatMap
      seats={SEATS}
      selected={sel}
      ticketTypeId={ticketTypeId}
      onToggle={(s) => {
        const n = new Set(sel);
        if (n.has(s.id)) n.delete(s.id);
        else n.add(s.id);
        setSel(n);
        onChange?.([...n]);
      }}
    />
  );
}

describe('SeatMap', () => {
  it('draws every seat at its x/y with its state', () => {
    render(<Picker />);
    const a1 = screen.getByTestId('seat-A1');
    expect(a1.querySelector('circle')).toHaveAttribute('cx', '0');
    expect(screen.getByTestId('seat-B1').querySelector('circle')).toHaveAttribute('cy', '1.2');
    expect(a1).toHaveAttribute('data-state', 'available');
    expect(screen.getByTestId('seat-A2')).toHaveAttribute('data-state', 'taken');
    expect(screen.getByTestId('seat-A3')).toHaveAttribute('data-state', 'taken');
    // row labels
    expect(screen.getByText('A', { selector: 'text' })).toBeInTheDocument();
  });

  it('selects and unselects available seats by click and keyboard', () => {
    const onChange = vi.fn();
    render(<Picker onChange={onChange} />);
    const a1 = screen.getByTestId('seat-A1');
    expect(a1).toHaveAttribute('role', 'checkbox');
    fireEvent.click(a1);
    expect(onChange).toHaveBeenLastCalledWith(['id-A1']);
    expect(screen.getByTestId('seat-A1')).toHaveAttribute('data-state', 'selected');
    expect(screen.getByTestId('seat-A1')).toHaveAttribute('aria-checked', 'true');
    fireEvent.keyDown(screen.getByTestId('seat-B1'), { key: 'Enter' });
    expect(onChange).toHaveBeenLastCalledWith(['id-A1', 'id-B1']);
    fireEvent.keyDown(screen.getByTestId('seat-A1'), { key: ' ' });
    expect(onChange).toHaveBeenLastCalledWith(['id-B1']);
  });

  it('does not let taken seats or other sections be chosen', () => {
    const onChange = vi.fn();
    render(<Picker onChange={onChange} ticketTypeId="tt1" />);
    fireEvent.click(screen.getByTestId('seat-A2'));
    fireEvent.click(screen.getByTestId('seat-A3'));
    fireEvent.click(screen.getByTestId('seat-B2'));
    expect(onChange).not.toHaveBeenCalled();
    expect(screen.getByTestId('seat-A2')).toHaveAttribute('aria-disabled', 'true');
    expect(screen.getByTestId('seat-B2')).toHaveClass('seat-other');
  });

  it('shows seats the buyer holds as selected, not taken', () => {
    render(<SeatMap seats={SEATS} selected={new Set()} mine={new Set(['id-A3'])} onToggle={() => {}} />);
    expect(screen.getByTestId('seat-A3')).toHaveAttribute('data-state', 'selected');
  });
});
