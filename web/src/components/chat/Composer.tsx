import { forwardRef, useCallback, useEffect, useImperativeHandle, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { PlusIcon } from '../Icons.tsx';
import { ConnectorsMenu } from './ConnectorsMenu.tsx';
import { SendIcon, StopIcon } from './icons.tsx';

export interface ComposerHandle {
  focus(): void;
  /** Puts text in the box (an app's `ui/message`), for the person to send or change. */
  setDraft(text: string): void;
}

interface ComposerProps {
  /** The conversation the menu configures; undefined until one exists (`ensureConversation` makes it). */
  conversationId: string | undefined;
  ensureConversation(): Promise<string | undefined>;
  onSend(text: string): void;
  onStop(): void;
  busy: boolean;
  /** Why nothing can be sent now (no model configured); the box still takes text and the menu still works. */
  disabledReason?: string | undefined;
  placeholder?: string;
}

/**
 * The message box: Enter sends, Shift+Enter starts a new line; '+' (or '/' typed first) opens the connectors menu;
 * while an answer is written, Stop ends it.
 */
export const Composer = forwardRef<ComposerHandle, ComposerProps>(function Composer({ conversationId, ensureConversation, onSend, onStop, busy, disabledReason, placeholder }, handle) {
  const [text, setText] = useState('');
  const [menu, setMenu] = useState(false);
  const [menuFor, setMenuFor] = useState<string | undefined>(conversationId);
  const box = useRef<HTMLTextAreaElement>(null);

  useImperativeHandle(handle, () => ({
    focus: () => box.current?.focus(),
    setDraft: (value: string) => {
      setText(value);
      box.current?.focus();
    },
  }));

  // The box grows with its text, up to a limit (then it scrolls).
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
  }, [text]);

  useEffect(() => setMenuFor(conversationId), [conversationId]);

  const openMenu = async () => {
    setMenu(true);
    // Settings are per conversation: a new chat gets its conversation now.
    if (!conversationId) setMenuFor(await ensureConversation());
  };
  const closeMenu = useCallback((refocus: boolean) => {
    setMenu(false);
    if (refocus) box.current?.focus();
  }, []);

  const canSend = !busy && !disabledReason && text.trim().length > 0;
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!canSend) return;
    onSend(text.trim());
    setText('');
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
      return;
    }
    if (event.key === '/' && text === '' && !menu) {
      event.preventDefault();
      void openMenu();
    }
  };

  return (
    <form className="composer" onSubmit={submit}>
      {menu ? <ConnectorsMenu conversationId={menuFor} onClose={closeMenu} /> : null}
      <div className="composer-box">
        <button type="button" className="icon-btn composer-plus" aria-label="Connectors and tool access" aria-expanded={menu} aria-haspopup="dialog" onClick={() => (menu ? closeMenu(true) : void openMenu())}>
          <PlusIcon />
        </button>
        <label htmlFor="chat-input" className="visually-hidden">
          Message
        </label>
        <textarea
          id="chat-input"
          ref={box}
          rows={1}
          value={text}
          placeholder={placeholder ?? 'Ask anything'}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
          aria-describedby="chat-input-hint"
          autoComplete="off"
        />
        {busy ? (
          <button type="button" className="composer-send composer-stop" aria-label="Stop the answer" onClick={onStop}>
            <StopIcon />
          </button>
        ) : (
          <button type="submit" className="composer-send" aria-label="Send" disabled={!canSend}>
            <SendIcon />
          </button>
        )}
      </div>
      <p className="composer-hint small muted" id="chat-input-hint">
        {disabledReason ?? 'Enter to send · Shift+Enter for a new line · / for connectors'}
      </p>
    </form>
  );
});
