import type { DemoPerson } from '../shared/people.ts';

export interface Channel {
  name: string;
  topic: string;
  /** Private channels are visible to their members only; the others to every demo person. */
  private: boolean;
  /** Person ids. */
  members: string[];
}

export interface Message {
  id: string;
  channel: string;
  /** Person id. */
  author: string;
  text: string;
  sentAt: string;
}

export interface ChatData {
  channels: Channel[];
  messages: Message[];
  nextId: number;
}

export function canSee(person: DemoPerson, channel: Channel): boolean {
  return !channel.private || channel.members.includes(person.id);
}

export function seedChat(): ChatData {
  const at = (day: number, hour: number) => `2026-11-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:15:00.000Z`;
  const messages: Array<[string, string, string, string]> = [
    ['general', 'alice', 'Welcome to the team chat! Announcements go here.', at(2, 9)],
    ['general', 'bob', 'The office is closed on Friday for the building inspection.', at(3, 10)],
    ['general', 'carol', 'Reminder: all-hands on Thursday at 15:00.', at(4, 8)],
    ['random', 'bob', 'Who left the excellent banana bread in the kitchen?', at(4, 11)],
    ['random', 'carol', 'Guilty. Recipe in the drive, Design folder, obviously.', at(4, 12)],
    ['engineering', 'bob', 'The settings crash (MOB-1) only happens offline. Fix coming today.', at(5, 9)],
    ['engineering', 'carol', 'Thanks. I will review the dark mode contrast change after lunch.', at(5, 10)],
    ['leadership', 'alice', 'Budget draft for next year is ready; salary review numbers are still confidential.', at(5, 14)],
    ['leadership', 'alice', 'Board meeting moved to the 20th.', at(6, 9)],
  ];
  return {
    channels: [
      { name: 'general', topic: 'Company-wide announcements', private: false, members: [] },
      { name: 'random', topic: 'Anything else', private: false, members: [] },
      { name: 'engineering', topic: 'The mobile app and the website, for the people building them', private: true, members: ['bob', 'carol'] },
      { name: 'leadership', topic: 'Budgets, hiring and the board', private: true, members: ['alice'] },
    ],
    messages: messages.map(([channel, author, text, sentAt], i) => ({ id: `m${i + 1}`, channel, author, text, sentAt })),
    nextId: messages.length + 1,
  };
}
