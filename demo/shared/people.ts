/**
 * The demo people. All three services know the same people with the same passwords, so one person can
 * connect every demo service and two people can prove that each sees only their own data.
 */
export interface DemoPerson {
  /** The account id the authorization servers use as the token subject. */
  id: string;
  email: string;
  name: string;
  /** Demo only: documented in docs/demo-services.md, never a real secret. */
  password: string;
}

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  { id: 'alice', email: 'alice@demo.test', name: 'Alice Archer', password: 'alice-demo-password' },
  { id: 'bob', email: 'bob@demo.test', name: 'Bob Baker', password: 'bob-demo-password' },
  { id: 'carol', email: 'carol@demo.test', name: 'Carol Chen', password: 'carol-demo-password' },
];

export function personById(id: string): DemoPerson | undefined {
  return DEMO_PEOPLE.find((p) => p.id === id);
}

export function personByEmail(email: string): DemoPerson | undefined {
  const wanted = email.trim().toLowerCase();
  return DEMO_PEOPLE.find((p) => p.email === wanted);
}

/** The person whose email and password match, or undefined. */
export function authenticate(email: string, password: string): DemoPerson | undefined {
  const person = personByEmail(email);
  return person && person.password === password ? person : undefined;
}
