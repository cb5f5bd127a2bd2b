import { useEffect, useState } from 'preact/hooks';

interface Props {
  text: string;
  label?: string;
  onCopied?: () => void;
}

/** Copies text to the clipboard and says so where screen readers hear it. */
export function CopyButton({ text, label = 'Copy', onCopied }: Props) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 4000);
    return () => clearTimeout(timer);
  }, [state]);
  const copy = async () => {
    try {
      await writeClipboard(text);
      setState('copied');
      onCopied?.();
    } catch {
      setState('failed');
    }
  };
  return (
    <span class="copy">
      <button type="button" class="button" onClick={copy}>{label}</button>
      <span class="copy-status" role="status">
        {state === 'copied' ? 'Copied to the clipboard' : state === 'failed' ? 'Copy failed: select the text and copy it' : ''}
      </span>
    </span>
  );
}

/** The Clipboard API needs a secure context; plain http off loopback falls back to a selection copy. */
async function writeClipboard(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const before = document.activeElement as HTMLElement | null;
  const area = document.createElement('textarea');
  area.value = text;
  area.readOnly = true;
  area.className = 'visually-hidden';
  (before?.closest('dialog') ?? document.body).appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  before?.focus();
  if (!ok) throw new Error('copy refused');
}
