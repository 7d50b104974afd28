import { ServiceState } from '../shared/state.ts';
import type { DemoServiceDefinition } from '../shared/types.ts';
import { seedChat } from './data.ts';
import { registerChatTools } from './tools.ts';

export const chat: DemoServiceDefinition = {
  name: 'chat',
  defaultPort: 7402,
  listing: {
    slug: 'demo-chat',
    name: 'Demo Chat',
    tagline: 'A small team chat with public and private channels.',
    description:
      'A bundled demo team chat. Everyone sees #general and #random; #engineering belongs to Bob and Carol and #leadership to Alice, so each person reads only the channels they are in.',
    useCases: ['Catch up on a channel', 'Find out what the team said about a topic', 'Post an update'],
    category: 'communication',
  },
  instructions:
    'A team chat. Call list_channels for the channels you can see, read_messages to read a channel (latest messages, oldest first) and post_message to write as the signed-in person. Private channels are invisible to non-members.',
  scopeDescriptions: {
    read: 'See the channels you are in and read their messages.',
    write: 'Post messages as you.',
  },
  open(dataFile) {
    const state = new ServiceState(seedChat, dataFile);
    return { register: (server, caller) => registerChatTools(server, caller, state) };
  },
};
