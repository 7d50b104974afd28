import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useChat, type Chat } from '@ai-sdk/react';
import { ApiError } from '../api/client.ts';
import { chatApi, type AppSuggestionData, type ChatMessage, type ChatStatus, type ConnectData, type Conversation } from '../api/chat.ts';
import { Button } from '../components/Button.tsx';
import { ChatActionsContext, type ChatActions } from '../components/chat/context.ts';
import { Composer, type ComposerHandle } from '../components/chat/Composer.tsx';
import { ConversationList } from '../components/chat/ConversationList.tsx';
import { ListIcon, PencilIcon, SparkIcon, TrashIcon } from '../components/chat/icons.tsx';
import { MessageView, waitingFor } from '../components/chat/Message.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { useToasts } from '../components/Toasts.tsx';
import { CHAT_FINISHED, chatFor, forgetChat, newChat } from '../lib/chat-session.ts';
import { connectInPopup } from '../lib/connect-popup.ts';
import { Link, navigate, setSearchParams, useSearchParams } from '../router.tsx';
import { useSession } from '../session.tsx';
import '../styles/chat.css';

/**
 * The chat (docs/user-guide.md#the-chat): the person's conversations on the left (a panel on phones), the
 * conversation on the right, streamed through useChat from the chat API. `/chat` is a new chat; its conversation is
 * created with the first message (or when the connectors menu first needs it), and the address becomes /chat/{id}.
 */
let statusCache: Promise<ChatStatus> | undefined;

export function ChatPage({ id }: { id?: string }) {
  const [status, setStatus] = useState<ChatStatus | undefined>();
  const [statusError, setStatusError] = useState<ApiError | undefined>();
  const [conversations, setConversations] = useState<Conversation[] | undefined>();
  const [listFailed, setListFailed] = useState(false);
  const [listOpen, setListOpen] = useState(false);

  useEffect(() => {
    statusCache ??= chatApi.status();
    statusCache.then(setStatus).catch((err: unknown) => {
      statusCache = undefined;
      setStatusError(err as ApiError);
    });
  }, []);

  const reloadList = useCallback(async () => {
    try {
      setConversations((await chatApi.list()).conversations);
      setListFailed(false);
    } catch {
      setListFailed(true);
    }
  }, []);
  useEffect(() => {
    void reloadList();
    const onFinished = () => void reloadList();
    window.addEventListener(CHAT_FINISHED, onFinished);
    return () => window.removeEventListener(CHAT_FINISHED, onFinished);
  }, [reloadList]);

  const title = conversations?.find((c) => c.id === id)?.title;
  return (
    <div className="chat">
      <aside className={`chat-list${listOpen ? ' is-open' : ''}`} id="chat-conversations" aria-label="Your conversations">
        <ConversationList conversations={conversations} current={id} failed={listFailed} onPicked={() => setListOpen(false)} />
      </aside>
      <div className="chat-pane">
        {statusError ? (
          <div className="chat-inner">
            <h1>Chat</h1>
            <ErrorNotice error={statusError} title="The chat could not be loaded" />
          </div>
        ) : !status ? (
          <div className="chat-inner" aria-busy="true">
            <h1 className="visually-hidden">Chat</h1>
            <p className="muted">Loading…</p>
          </div>
        ) : id ? (
          <ConversationView key={id} id={id} status={status} title={title} listOpen={listOpen} onToggleList={() => setListOpen((o) => !o)} onChanged={reloadList} />
        ) : (
          <NewChat status={status} listOpen={listOpen} onToggleList={() => setListOpen((o) => !o)} onCreated={reloadList} />
        )}
      </div>
    </div>
  );
}

function ListToggle({ open, onToggle }: { open: boolean; onToggle(): void }) {
  return (
    <Button variant="ghost" className="chat-list-toggle" icon={<ListIcon />} aria-expanded={open} aria-controls="chat-conversations" onClick={onToggle}>
      Conversations
    </Button>
  );
}

function Banner({ status }: { status: ChatStatus }) {
  if (status.configured) return null;
  return (
    <div className="notice notice-warning chat-banner" role="status">
      <p className="notice-title">The chat cannot answer yet</p>
      <p>{status.banner}</p>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------------------------
// A new chat.

function NewChat({ status, listOpen, onToggleList, onCreated }: { status: ChatStatus; listOpen: boolean; onToggleList(): void; onCreated(): void }) {
  const { org } = useSession();
  const [created, setCreated] = useState<string | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const composer = useRef<ComposerHandle>(null);
  const creating = useRef<Promise<string | undefined> | undefined>(undefined);

  const ensure = useCallback(async () => {
    if (created) return created;
    creating.current ??= chatApi
      .create(org ? { org: org.organization.slug } : {})
      .then((c) => {
        setCreated(c.id);
        onCreated();
        return c.id;
      })
      .catch((err: unknown) => {
        creating.current = undefined;
        setError(err as ApiError);
        return undefined;
      });
    return creating.current;
  }, [created, org, onCreated]);

  const send = async (text: string) => {
    setError(undefined);
    const id = await ensure();
    if (!id) return;
    const chat = newChat(id);
    void chat.sendMessage({ text });
    navigate(`/chat/${id}?fresh=1`);
  };

  return (
    <div className="chat-inner">
      <header className="chat-head">
        <ListToggle open={listOpen} onToggle={onToggleList} />
        <h1 className="chat-title">New chat</h1>
      </header>
      <Banner status={status} />
      <div className="chat-empty">
        <span className="chat-empty-mark" aria-hidden="true">
          <SparkIcon />
        </span>
        <p className="chat-empty-title">What can I do in your apps?</p>
        <p className="muted">
          Ask in your own words: “Create an issue for the login bug”, “Which files mention the launch?”. Press <kbd>+</kbd> or type <kbd>/</kbd> to choose the
          connectors this chat uses. <Link to="/directory">Connect more apps</Link>.
        </p>
      </div>
      {error ? <ErrorNotice error={error} title="The conversation could not be started" /> : null}
      <Composer
        ref={composer}
        conversationId={created}
        ensureConversation={ensure}
        onSend={(text) => void send(text)}
        onStop={() => {}}
        busy={false}
        disabledReason={status.configured ? undefined : 'Sending is off until an operator configures a chat model (above).'}
      />
    </div>
  );
}

// ---------------------------------------------------------------------------------------------------------------
// A conversation.

type Loaded = { state: 'loading' } | { state: 'error'; error: ApiError } | { state: 'ready'; conversation: Conversation; chat: Chat<ChatMessage> };

function ConversationView({ id, status, title, listOpen, onToggleList, onChanged }: { id: string; status: ChatStatus; title: string | undefined; listOpen: boolean; onToggleList(): void; onChanged(): void }) {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    chatApi
      .get(id, controller.signal)
      .then(({ conversation, messages }) => setLoaded({ state: 'ready', conversation, chat: chatFor(id, messages) }))
      .catch((err: unknown) => {
        if ((err as Error).name !== 'AbortError') setLoaded({ state: 'error', error: err as ApiError });
      });
    return () => controller.abort();
  }, [id]);

  if (loaded.state === 'loading') {
    return (
      <div className="chat-inner" aria-busy="true">
        <header className="chat-head">
          <ListToggle open={listOpen} onToggle={onToggleList} />
          <h1 className="chat-title">{title ?? 'Conversation'}</h1>
        </header>
        <p className="muted">Loading the conversation…</p>
      </div>
    );
  }
  if (loaded.state === 'error') {
    const missing = loaded.error.status === 404;
    return (
      <div className="chat-inner">
        <header className="chat-head">
          <ListToggle open={listOpen} onToggle={onToggleList} />
          <h1 className="chat-title">{missing ? 'No such conversation' : 'This conversation could not be loaded'}</h1>
        </header>
        <ErrorNotice error={loaded.error} action={<Link to="/chat">Start a new chat</Link>} />
      </div>
    );
  }
  return (
    <Thread
      conversation={loaded.conversation}
      chat={loaded.chat}
      status={status}
      title={title ?? loaded.conversation.title}
      listOpen={listOpen}
      onToggleList={onToggleList}
      onChanged={onChanged}
    />
  );
}

function Thread({ conversation, chat, status, title, listOpen, onToggleList, onChanged }: { conversation: Conversation; chat: Chat<ChatMessage>; status: ChatStatus; title: string; listOpen: boolean; onToggleList(): void; onChanged(): void }) {
  const id = conversation.id;
  const toasts = useToasts();
  const params = useSearchParams();
  // Re-rendered at most every 40 ms while streaming: each render parses the answer's Markdown again.
  const { messages, status: chatStatus, error, sendMessage, regenerate, addToolApprovalResponse, stop, clearError } = useChat({ chat, throttle: 40 });
  const busy = chatStatus === 'submitted' || chatStatus === 'streaming';
  const composer = useRef<ComposerHandle>(null);
  const [renaming, setRenaming] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);

  // Coming from a new chat's first message: the box keeps the focus (the router would move it to the heading).
  const fresh = params.get('fresh') === '1';
  useEffect(() => {
    if (!fresh) return;
    setSearchParams({ fresh: undefined });
    const frame = window.requestAnimationFrame(() => composer.current?.focus());
    return () => window.cancelAnimationFrame(frame);
  }, [fresh]);

  // Follow the answer as it grows, unless the person scrolled up to read.
  const follow = useRef(true);
  useEffect(() => {
    const onScroll = () => {
      follow.current = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 160;
    };
    window.addEventListener('scroll', onScroll, { passive: true });
    return () => window.removeEventListener('scroll', onScroll);
  }, []);
  useEffect(() => {
    if (follow.current) window.scrollTo({ top: document.documentElement.scrollHeight });
  }, [messages, chatStatus]);

  const retry = useCallback(
    async (card: ConnectData) => {
      follow.current = true;
      await sendMessage(undefined, { body: { retry: { toolCallId: card.toolCallId } } });
    },
    [sendMessage],
  );

  // Back from a connection made in this window (a browser that blocked the popup): run the paused call again.
  const connected = params.get('connected');
  useEffect(() => {
    if (!connected) return;
    setSearchParams({ connected: undefined });
    const last = messages.at(-1);
    const cards = (last?.parts ?? []).flatMap((p) => (p.type === 'data-connect' ? [p.data as ConnectData] : []));
    const card = cards.find((c) => c.connector === connected && c.status === 'needed');
    if (card && !busy) void retry(card);
    // Only when the address says so.
  }, [connected]);

  const actions = useMemo<ChatActions>(
    () => ({
      conversationId: id,
      sandboxUrl: status.sandboxUrl,
      busy,
      approve: (approvalId, approved) => {
        follow.current = true;
        void addToolApprovalResponse({ id: approvalId, approved });
      },
      allowAlways: async (approvalId) => {
        const result = await chatApi.allowAlways(id, approvalId);
        toasts.success('Allowed from now on', `${result.tool} runs without asking you from now on. Change it in Settings › Tool permissions.`);
        follow.current = true;
        await addToolApprovalResponse({ id: approvalId, approved: true });
      },
      connect: async (card) => {
        const outcome = await connectInPopup(card.connector, card.name, { returnTo: `/chat/${id}` });
        if (outcome.kind === 'failed') throw outcome.error;
        if (outcome.kind === 'closed') {
          toasts.info('Connecting stopped', `The window closed before ${card.name} was connected. Press the button to try again.`);
          return;
        }
        if (outcome.kind === 'connected') await retry(card);
      },
      pick: (connector) => {
        follow.current = true;
        void regenerate({ body: { focus: [connector] } });
      },
      connectSuggested: async (s: AppSuggestionData) => {
        const outcome = await connectInPopup(s.connector, s.name, { returnTo: `/chat/${id}` });
        if (outcome.kind === 'failed') throw outcome.error;
        if (outcome.kind === 'closed') throw new ApiError(0, 'closed', `The window closed before ${s.name} was connected. Press Connect to try again.`);
        toasts.success(`${s.name} is connected`, 'Ask again, and the assistant can use it.');
      },
      draft: (text) => composer.current?.setDraft(text),
    }),
    [id, status.sandboxUrl, busy, addToolApprovalResponse, regenerate, retry, toasts],
  );

  const last = messages.at(-1);
  const waiting = waitingFor(last);
  // Until the first answer is stored (and the server names the conversation after it), its first words name it here.
  const firstWords = messages[0]?.role === 'user' ? messages[0].parts.map((p) => (p.type === 'text' ? p.text : '')).join(' ').replace(/\s+/g, ' ').trim().slice(0, 60) : '';
  const shownTitle = title === 'New conversation' && firstWords ? firstWords : title;
  // A refusal before the answer started (busy, not configured…) is shown here; failures inside it are parts.
  const shownError = error && !(last?.role === 'assistant' && last.parts.some((p) => p.type === 'data-error')) ? error : undefined;

  const send = (text: string) => {
    clearError();
    follow.current = true;
    void sendMessage({ text });
  };

  const remove = async () => {
    setConfirmDelete(false);
    try {
      await chatApi.remove(id);
      forgetChat(id);
      onChanged();
      toasts.success('Conversation deleted');
      navigate('/chat');
    } catch (err) {
      toasts.error('Could not delete the conversation', err as ApiError);
    }
  };

  return (
    <ChatActionsContext.Provider value={actions}>
      <div className="chat-inner">
        <header className="chat-head">
          <ListToggle open={listOpen} onToggle={onToggleList} />
          {renaming ? (
            <RenameForm
              id={id}
              title={title}
              onDone={(changed) => {
                setRenaming(false);
                if (changed) onChanged();
              }}
            />
          ) : (
            <>
              <h1 className="chat-title">{shownTitle}</h1>
              <div className="chat-head-actions">
                <button type="button" className="icon-btn" aria-label="Rename this conversation" title="Rename" onClick={() => setRenaming(true)}>
                  <PencilIcon />
                </button>
                <button type="button" className="icon-btn" aria-label="Delete this conversation" title="Delete" onClick={() => setConfirmDelete(true)} disabled={busy}>
                  <TrashIcon />
                </button>
              </div>
            </>
          )}
        </header>
        <Banner status={status} />

        {messages.length === 0 && !busy ? <p className="muted chat-start">Nothing here yet. Ask something below.</p> : null}
        <ol className="thread" aria-label="Messages">
          {messages.map((m, i) => (
            <MessageView key={m.id} message={m} last={i === messages.length - 1} />
          ))}
        </ol>
        {chatStatus === 'submitted' ? (
          <p className="thinking muted" aria-hidden="true">
            <span className="dots">
              <span />
              <span />
              <span />
            </span>
            Thinking…
          </p>
        ) : null}
        <p className="visually-hidden" aria-live="polite">
          {announce(chatStatus, last, waiting)}
        </p>
        {shownError ? (
          <ErrorNotice
            error={shownError}
            title="The message could not be answered"
            action={
              <Button onClick={() => clearError()} variant="ghost">
                Dismiss
              </Button>
            }
          />
        ) : null}

        <Composer
          ref={composer}
          conversationId={id}
          ensureConversation={async () => id}
          onSend={send}
          onStop={() => void stop()}
          busy={busy}
          disabledReason={status.configured ? undefined : 'Sending is off until an operator configures a chat model (above).'}
          placeholder={waiting === 'approval' ? 'Answer the card above, or ask something else' : messages.length > 0 ? 'Reply' : undefined}
        />
      </div>

      <Dialog
        open={confirmDelete}
        title="Delete this conversation?"
        onClose={() => setConfirmDelete(false)}
        footer={
          <>
            <Button onClick={() => setConfirmDelete(false)}>Cancel</Button>
            <Button variant="danger" onClick={() => void remove()}>
              Delete
            </Button>
          </>
        }
      >
        <p>“{title}” and all its messages are deleted for good. What its tool calls did in your apps stays done.</p>
      </Dialog>
    </ChatActionsContext.Provider>
  );
}

function announce(status: string, last: ChatMessage | undefined, waiting: ReturnType<typeof waitingFor>): string {
  if (status === 'submitted' || status === 'streaming') return 'The assistant is answering…';
  if (status === 'error') return 'The answer failed.';
  if (waiting === 'approval') return 'The assistant is waiting for your approval.';
  if (waiting === 'connect') return 'The assistant needs you to connect an app.';
  if (waiting === 'choice') return 'The assistant asks which app to use.';
  if (last?.role !== 'assistant') return '';
  const text = last.parts.map((p) => (p.type === 'text' ? p.text : '')).join(' ').trim();
  return text ? `Answer: ${text.slice(0, 300)}` : 'Answer complete.';
}

function RenameForm({ id, title, onDone }: { id: string; title: string; onDone(changed: boolean): void }) {
  const toasts = useToasts();
  const [value, setValue] = useState(title);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const next = value.trim();
    if (!next || next === title) return onDone(false);
    setBusy(true);
    try {
      await chatApi.rename(id, next);
      onDone(true);
    } catch (err) {
      toasts.error('Could not rename the conversation', err as ApiError);
      setBusy(false);
    }
  };
  return (
    <form className="chat-rename" onSubmit={(e) => void submit(e)} onKeyDown={(e) => e.key === 'Escape' && onDone(false)}>
      <h1 className="visually-hidden">{title}</h1>
      <label htmlFor="chat-rename" className="visually-hidden">
        Conversation name
      </label>
      <input id="chat-rename" ref={input} value={value} maxLength={200} onChange={(e) => setValue(e.target.value)} />
      <Button type="submit" variant="primary" busy={busy}>
        Save
      </Button>
      <Button onClick={() => onDone(false)}>Cancel</Button>
    </form>
  );
}

