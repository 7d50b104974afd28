import { createContext, useContext } from 'react';
import type { AppSuggestionData, ConnectData } from '../../api/chat.ts';

/** What the parts of a conversation's messages may do: answer approvals, connect and retry, pick an app, render apps. */
export interface ChatActions {
  conversationId: string;
  /** The origin interactive apps render on; null: shown as text. */
  sandboxUrl: string | null;
  /** An answer is being written: nothing else may be sent. */
  busy: boolean;
  approve(approvalId: string, approved: boolean): void;
  allowAlways(approvalId: string): Promise<void>;
  connect(card: ConnectData): Promise<void>;
  /** The person picked one of the apps offered: the same message is answered again with only it. */
  pick(connector: string): void;
  connectSuggested(suggestion: AppSuggestionData): Promise<void>;
  /** An app asked to put a message in the composer (MCP Apps `ui/message`). */
  draft(text: string): void;
}

export const ChatActionsContext = createContext<ChatActions | undefined>(undefined);

export function useChatActions(): ChatActions {
  const actions = useContext(ChatActionsContext);
  if (!actions) throw new Error('useChatActions outside a conversation');
  return actions;
}
