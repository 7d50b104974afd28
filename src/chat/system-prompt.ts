import type { LoadingDecision } from './tool-access.ts';

/** What the system prompt says about a turn: the conversation's connectors and how tools are found. */
export interface PromptInput {
  /** Connector slug → display name. */
  names: ReadonlyMap<string, string>;
  /** Connectors with tools the model may use. */
  connectors: readonly string[];
  /** Those on in this conversation. */
  on: readonly string[];
  /** The apps the person picked for this request, if any. */
  focused: readonly string[] | undefined;
  /** The search tool's name (on demand). */
  searchToolName: string | undefined;
}

/** The system prompt: which connectors the conversation uses, and how tools behave here. */
export function systemPrompt(input: PromptInput, decision: LoadingDecision): string {
  const name = (slug: string) => `${input.names.get(slug) ?? slug} (${slug})`;
  const using = input.focused ?? input.on;
  const off = input.connectors.filter((c) => !using.includes(c));
  const lines = [
    "You are the assistant of Switchboard, working in the person's own apps through tools. Each tool runs with the person's own account at that app, under their organization's rules.",
    using.length > 0 ? `Apps in use in this conversation: ${using.map(name).join(', ')}.` : 'No apps are in use in this conversation: answer from what you know, and say when an app would be needed.',
  ];
  if (input.focused) lines.push('The person picked these apps for this request; use them.');
  if (off.length > 0) lines.push(`Switched off here: ${off.map(name).join(', ')}. Do not use them; the person can switch them on in the conversation's settings.`);
  if (decision.loading === 'on_demand' && input.searchToolName) lines.push(`Not every tool is loaded: find the tools you need with ${input.searchToolName} before calling them.`);
  lines.push(
    'Some tools need the person to approve each call: they see a card and decide. When a call is refused, tell the person the reason the result gives. When a call says an app needs connecting, say so briefly: the person connects it with the button shown, and the call runs again.',
  );
  return lines.join('\n');
}
