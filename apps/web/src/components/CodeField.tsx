import { forwardRef, useId, useImperativeHandle, useMemo, useRef } from 'react';
import CodeMirror, { type ReactCodeMirrorRef } from '@uiw/react-codemirror';
import { EditorView } from '@codemirror/view';
import type { Extension } from '@codemirror/state';

export interface CodeFieldHandle {
  focus: () => void;
  view: () => EditorView | undefined;
}

interface Props {
  label: string;
  value: string;
  onChange: (v: string) => void;
  onBlur?: () => void;
  error?: string;
  hint?: string;
  height?: string;
  extensions?: Extension[];
  readOnly?: boolean;
  placeholder?: string;
}

const NONE: Extension[] = [];

/**
 * A CodeMirror editor as a form field: its label, hint and error wired to
 * the editable area (a contenteditable cannot be a `<label for>` target, so
 * `aria-labelledby`), and a handle react-hook-form can focus.
 */
export const CodeField = forwardRef<CodeFieldHandle, Props>(function CodeField(
  { label, value, onChange, onBlur, error, hint, height = '320px', extensions = NONE, readOnly = false, placeholder },
  ref,
) {
  const id = useId();
  const labelId = `${id}-label`;
  const hintId = hint ? `${id}-hint` : undefined;
  const errId = error ? `${id}-err` : undefined;
  const describedBy = [hintId, errId].filter(Boolean).join(' ');
  const cm = useRef<ReactCodeMirrorRef>(null);
  useImperativeHandle(ref, () => ({ focus: () => cm.current?.view?.focus(), view: () => cm.current?.view }), []);
  const exts = useMemo(
    () => [
      ...extensions,
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({
        'aria-labelledby': labelId,
        'aria-invalid': error ? 'true' : 'false',
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      }),
    ],
    [extensions, labelId, error, describedBy],
  );
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label id={labelId} onClick={() => cm.current?.view?.focus()}>
        {label}
      </label>
      <CodeMirror
        ref={cm}
        value={value}
        height={height}
        extensions={exts}
        onChange={onChange}
        onBlur={onBlur}
        editable={!readOnly}
        readOnly={readOnly}
        placeholder={placeholder}
        basicSetup={{ foldGutter: false }}
      />
      {hint && (
        <small id={hintId} className="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={errId} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
});
