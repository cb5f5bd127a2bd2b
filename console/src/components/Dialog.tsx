// A modal dialog on the native <dialog>: the browser keeps focus inside and makes the page behind inert.
// Escape goes to onCancel (which may ask again instead of closing); focus returns to where it was.
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

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
      ?? dialog.querySelector<HTMLElement>(FOCUSABLE);
    first?.focus();
    // Escape is handled here rather than by the browser's cancel, so a dialog can ask before it closes.
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        cancel.current();
      } else if (event.key === 'Tab') {
        // The browser keeps focus off the page behind, but would let it leave for its own toolbar.
        const focusable = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null || el === document.activeElement);
        const first = focusable[0];
        const last = focusable[focusable.length - 1];
        if (!first || !last) return;
        if (event.shiftKey && document.activeElement === first) {
          event.preventDefault();
          last.focus();
        } else if (!event.shiftKey && document.activeElement === last) {
          event.preventDefault();
          first.focus();
        }
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
