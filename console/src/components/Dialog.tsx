// A modal dialog on the native <dialog>: the browser keeps focus inside and makes the page behind inert.
// Escape goes to onCancel (which may ask again instead of closing); focus returns to where it was.
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

interface Props {
  title: string;
  onCancel: () => void;
  children: ComponentChildren;
  wide?: boolean;
  /** The element to focus first (a selector inside the dialog); otherwise the first field or button. */
  initialFocus?: string;
}

export function Dialog({ title, onCancel, children, wide, initialFocus }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const cancel = useRef(onCancel);
  cancel.current = onCancel;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const before = document.activeElement as HTMLElement | null;
    dialog.showModal();
    const first = (initialFocus ? dialog.querySelector<HTMLElement>(initialFocus) : null)
      ?? dialog.querySelector<HTMLElement>('input:not([type=hidden]):not([disabled]), select, textarea, button:not([disabled])');
    first?.focus();
    // Escape is handled here rather than by the browser's cancel, so a dialog can ask before it closes.
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        cancel.current();
      }
    };
    const onCancelEvent = (event: Event) => {
      event.preventDefault();
      cancel.current();
    };
    dialog.addEventListener('keydown', onKey);
    dialog.addEventListener('cancel', onCancelEvent);
    return () => {
      dialog.removeEventListener('keydown', onKey);
      dialog.removeEventListener('cancel', onCancelEvent);
      if (dialog.open) dialog.close();
      if (before && document.contains(before)) before.focus();
    };
  }, []);

  return (
    <dialog ref={ref} class={wide ? 'dialog dialog-wide' : 'dialog'} aria-labelledby={titleId} aria-modal="true">
      <h2 id={titleId} class="dialog-title">{title}</h2>
      {children}
    </dialog>
  );
}
