import { describe, expect, it } from 'vitest';
import { render, screen, act } from '@testing-library/react';
import { useForm } from 'react-hook-form';
import { ApiError, applyProblemToForm, problemFieldErrors, toApiError, toFormPath } from './problem';
import { TextField } from '../components/ui';

const problem = {
  type: 'https://taquilla.dev/problems/validation_failed',
  title: 'Unprocessable Entity',
  status: 422,
  detail: 'ends_at must be after starts_at',
  code: 'validation_failed',
  field: 'ends_at',
  errors: [
    { field: 'ends_at', code: 'before_start', message: 'must be after starts_at' },
    { field: 'items[0].quantity', code: 'out_of_range', message: 'at least 1' },
    { field: 'unknown_thing', code: 'x', message: 'nobody shows this' },
  ],
};

describe('problem documents', () => {
  it('become ApiErrors with code, field, detail and extras', () => {
    const e = toApiError(409, { code: 'already_used', detail: 'used', status: 409, checked_in_at: '2030-01-01T10:00:00Z', gate: 'A' });
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('already_used');
    expect(e.status).toBe(409);
    expect(e.detail).toBe('used');
    expect(e.extra('gate')).toBe('A');
    expect(e.extra('checked_in_at')).toBe('2030-01-01T10:00:00Z');
    expect(toApiError(502, null).code).toBe('http_502');
  });

  it('turn JSON paths into form field names', () => {
    expect(toFormPath('items[0].quantity')).toBe('items.0.quantity');
    expect(toFormPath('.title')).toBe('title');
    expect(toFormPath('admin.email')).toBe('admin.email');
    expect(toFormPath('body.slug')).toBe('slug');
  });

  it('map only onto fields the form has, aliases included', () => {
    const e = new ApiError(422, problem);
    expect(problemFieldErrors(e, ['starts_at', 'ends_at'])).toEqual([{ name: 'ends_at', message: 'must be after starts_at' }]);
    expect(problemFieldErrors(e, ['qty'], { 'items.0.quantity': 'qty' })).toEqual([{ name: 'qty', message: 'at least 1' }]);
    expect(problemFieldErrors(e, ['title'])).toEqual([]);
    const single = new ApiError(409, { code: 'email_taken', field: 'email', detail: 'e-mail taken' });
    expect(problemFieldErrors(single, ['email'])).toEqual([{ name: 'email', message: 'e-mail taken' }]);
  });

  it('show the server message at the form field', async () => {
    let api: ReturnType<typeof useForm<{ starts_at: string; ends_at: string }>> | null = null;
    function Form() {
      const f = useForm<{ starts_at: string; ends_at: string }>({ defaultValues: { starts_at: '', ends_at: '' } });
      api = f;
      return (
        <form>
          <TextField label="Starts" {...f.register('starts_at')} error={f.formState.errors.starts_at?.message} />
          <TextField label="Ends" {...f.register('ends_at')} error={f.formState.errors.ends_at?.message} />
        </form>
      );
    }
    render(<Form />);
    let mapped = false;
    act(() => {
      mapped = applyProblemToForm(new ApiError(422, problem), api!.setError as never, ['starts_at', 'ends_at']);
    });
    expect(mapped).toBe(true);
    const ends = screen.getByLabelText('Ends');
    expect(ends).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('alert')).toHaveTextContent('must be after starts_at');
    expect(ends.getAttribute('aria-describedby')).toContain(screen.getByRole('alert').id);
    expect(screen.getByLabelText('Starts')).toHaveAttribute('aria-invalid', 'false');
    expect(applyProblemToForm(new Error('x'), api!.setError as never, ['ends_at'])).toBe(false);
  });
});
