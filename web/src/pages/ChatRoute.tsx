import { lazy, Suspense } from 'react';

/**
 * The chat's route: the chat (useChat, the AI SDK's UI code, Markdown) loads the first time someone opens it, so the
 * other pages stay light.
 */
const ChatPage = lazy(() => import('./ChatPage.tsx').then((m) => ({ default: m.ChatPage })));

export function ChatRoute({ id }: { id?: string }) {
  return (
    <Suspense
      fallback={
        <div className="page" aria-busy="true">
          <h1 className="visually-hidden">Chat</h1>
          <p className="muted">Loading the chat…</p>
        </div>
      }
    >
      <ChatPage {...(id ? { id } : {})} />
    </Suspense>
  );
}
