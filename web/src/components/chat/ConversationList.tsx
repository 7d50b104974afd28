import type { Conversation } from '../../api/chat.ts';
import { Link, navigate } from '../../router.tsx';
import { Button } from '../Button.tsx';
import { PlusIcon } from '../Icons.tsx';

/** The person's conversations, most recently active first, and New chat. */
export function ConversationList({ conversations, current, failed, onPicked }: { conversations: Conversation[] | undefined; current: string | undefined; failed: boolean; onPicked(): void }) {
  return (
    <>
      <div className="chat-list-head">
        <Button
          variant="primary"
          className="btn-block"
          icon={<PlusIcon />}
          onClick={() => {
            onPicked();
            navigate('/chat');
          }}
        >
          New chat
        </Button>
      </div>
      <nav aria-label="Conversations" className="chat-list-nav">
        {conversations === undefined && !failed ? <p className="muted small chat-list-note">Loading…</p> : null}
        {failed ? <p className="muted small chat-list-note">Your conversations could not be loaded. Reload the page to try again.</p> : null}
        {conversations && conversations.length === 0 ? <p className="muted small chat-list-note">No conversations yet. Ask something to start one.</p> : null}
        {conversations && conversations.length > 0 ? (
          <ul>
            {conversations.map((c) => (
              <li key={c.id}>
                <Link to={`/chat/${c.id}`} className="chat-list-item" aria-current={c.id === current ? 'page' : undefined} onClick={onPicked}>
                  <span className="chat-list-title">{c.title}</span>
                  <span className="chat-list-date">{when(c.updatedAt)}</span>
                </Link>
              </li>
            ))}
          </ul>
        ) : null}
      </nav>
    </>
  );
}

function when(iso: string): string {
  const date = new Date(iso);
  const now = new Date();
  if (date.toDateString() === now.toDateString()) return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return date.toLocaleDateString(undefined, { month: 'short', day: 'numeric', ...(date.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }) });
}
