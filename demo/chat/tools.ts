import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { addTool, fail, ok } from '../shared/mcp/tools.ts';
import { personById } from '../shared/people.ts';
import type { ServiceState } from '../shared/state.ts';
import type { ToolCaller } from '../shared/types.ts';
import { canSee, type Channel, type ChatData, type Message } from './data.ts';

const messageView = (m: Message) => ({ id: m.id, channel: m.channel, author: personById(m.author)?.email ?? m.author, text: m.text, sentAt: m.sentAt });
const channelName = z.string().min(1).describe('The channel name, such as general (a leading # is fine).');

export function registerChatTools(server: McpServer, caller: ToolCaller, state: ServiceState<ChatData>): void {
  const { person } = caller;
  const visibleChannels = () => state.data.channels.filter((c) => canSee(person, c));
  const channel = (name: string): Channel | undefined => visibleChannels().find((c) => c.name === name.trim().replace(/^#/, '').toLowerCase());
  const noChannel = (name: string) => fail(`No channel "${name}" that you can see. Call list_channels for the channels you can use.`);

  addTool(server, caller, 'list_channels', {
    title: 'List channels',
    description: 'List the channels you can see, with their topics. Private channels appear only to their members.',
    kind: 'read',
    input: z.object({}),
  }, () => {
    const channels = visibleChannels().map(({ name, topic, private: isPrivate }) => ({ name, topic, private: isPrivate }));
    return ok(`${channels.length} channels: ${channels.map((c) => `#${c.name}`).join(', ')}.`, { channels });
  });

  addTool(server, caller, 'read_messages', {
    title: 'Read messages',
    description: 'Read the latest messages of a channel, oldest first.',
    kind: 'read',
    input: z.object({ channel: channelName, limit: z.number().int().min(1).max(100).default(20).describe('How many of the latest messages (default 20).') }),
  }, ({ channel: name, limit }) => {
    const found = channel(name);
    if (!found) return noChannel(name);
    const messages = state.data.messages.filter((m) => m.channel === found.name).slice(-limit).map(messageView);
    return ok(`${messages.length} messages in #${found.name}.`, { channel: found.name, messages });
  });

  addTool(server, caller, 'post_message', {
    title: 'Post a message',
    description: 'Post a message to a channel you can see, as yourself.',
    kind: 'create',
    input: z.object({ channel: channelName, text: z.string().min(1).max(4000) }),
  }, ({ channel: name, text }) => {
    const found = channel(name);
    if (!found) return noChannel(name);
    const message = state.update((data) => {
      const posted: Message = { id: `m${data.nextId++}`, channel: found.name, author: person.id, text, sentAt: new Date().toISOString() };
      data.messages.push(posted);
      return posted;
    });
    return ok(`Posted to #${found.name}.`, { message: messageView(message) });
  });
}
