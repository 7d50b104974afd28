import type { HttpBindings } from '@hono/node-server';
import type { Context, Hono } from 'hono';
import { authenticate, personById } from '../people.ts';
import { INTERACTION_PATH } from './authorization-server.ts';
import type { OidcGrant, OidcInteraction, OidcProvider } from './oidc-types.ts';
import { consentPage, errorPage, loginPage, type ConsentScope } from './pages.ts';

type AppContext = Context<{ Bindings: HttpBindings }>;

export interface InteractionSettings {
  provider: OidcProvider;
  serviceName: string;
  /** The resource (MCP URL) access tokens are for, and the scopes that belong to it. */
  resource: string;
  resourceScopes: string[];
  /** What each scope lets a client do, in words for the consent page. */
  scopeDescriptions: Record<string, string>;
}

const ALWAYS_GRANTED = new Set(['openid']);

/**
 * The login and consent screens oidc-provider sends people to (`interactions.url`). They finish each step with
 * `interactionResult` and a 303 back to the authorization endpoint, which decides what comes next.
 */
export function mountInteractions(app: Hono<{ Bindings: HttpBindings }>, settings: InteractionSettings): void {
  const { provider, serviceName } = settings;

  app.get(`${INTERACTION_PATH}/:uid`, async (c) => {
    const details = await interactionOf(c, settings);
    if (details instanceof Response) return details;
    const clientName = await clientNameOf(provider, details.params.client_id);
    if (details.prompt.name === 'login') return c.html(loginPage(serviceName, details.uid, clientName));
    if (details.prompt.name === 'consent') {
      const person = personById(details.session?.accountId ?? '');
      return c.html(consentPage(serviceName, details.uid, clientName, person?.email ?? 'unknown', requestedScopes(details, settings)));
    }
    return c.html(errorPage(serviceName, 'Unsupported step', `This server has no page for the "${details.prompt.name}" step.`), 400);
  });

  app.post(`${INTERACTION_PATH}/:uid/login`, async (c) => {
    const details = await interactionOf(c, settings, 'login');
    if (details instanceof Response) return details;
    const form = await c.req.parseBody();
    const email = typeof form.email === 'string' ? form.email : '';
    const person = authenticate(email, typeof form.password === 'string' ? form.password : '');
    if (!person) {
      const clientName = await clientNameOf(provider, details.params.client_id);
      return c.html(loginPage(serviceName, details.uid, clientName, { email, error: 'That email and password do not match a demo account. Try again.' }), 401);
    }
    const returnTo = await provider.interactionResult(c.env.incoming, c.env.outgoing, { login: { accountId: person.id } }, { mergeWithLastSubmission: false });
    return c.redirect(returnTo, 303);
  });

  app.post(`${INTERACTION_PATH}/:uid/consent`, async (c) => {
    const details = await interactionOf(c, settings, 'consent');
    if (details instanceof Response) return details;
    const form = await c.req.parseBody({ all: true });
    const approved = approvedScopes(details, form);
    const askedAnything = Boolean(details.params.scope?.trim());
    if (form.decision !== 'allow' || (askedAnything && approved.size === 0)) {
      const returnTo = await provider.interactionResult(c.env.incoming, c.env.outgoing, { error: 'access_denied', error_description: 'The person did not allow access.' }, { mergeWithLastSubmission: false });
      return c.redirect(returnTo, 303);
    }
    const grantId = await saveGrant(settings, details, approved);
    const returnTo = await provider.interactionResult(c.env.incoming, c.env.outgoing, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return c.redirect(returnTo, 303);
  });
}

/** The interaction this browser is in, if it is the one in the URL (and, for a form post, at the step posted). */
async function interactionOf(c: AppContext, settings: InteractionSettings, step?: 'login' | 'consent'): Promise<OidcInteraction | Response> {
  try {
    const details = await settings.provider.interactionDetails(c.env.incoming, c.env.outgoing);
    if (details.uid === c.req.param('uid') && (!step || details.prompt.name === step)) return details;
    if (details.uid === c.req.param('uid')) {
      return c.html(errorPage(settings.serviceName, 'Wrong step', `This sign-in is at the ${details.prompt.name} step; reload the page and continue there.`), 400);
    }
  } catch {
    // oidc-provider throws SessionNotFound when the interaction cookie is missing or the interaction expired.
  }
  return c.html(
    errorPage(settings.serviceName, 'Sign-in expired', 'This sign-in page has expired or was opened in another browser. Start connecting again from your app.'),
    400,
  );
}

async function clientNameOf(provider: OidcProvider, clientId: string): Promise<string> {
  const client = await provider.Client.find(clientId);
  return client?.metadata().client_name ?? clientId;
}

function requestedScopes(details: OidcInteraction, settings: InteractionSettings): ConsentScope[] {
  const asked = new Set(details.params.scope?.split(' ').filter(Boolean));
  return [...asked].flatMap((scope) => {
    const description = settings.scopeDescriptions[scope];
    return description ? [{ scope, description }] : [];
  });
}

/**
 * The scopes the person approved: the `scope` fields sent, or everything asked for when the form sent none and
 * did not say it lists them (`scope_choice=explicit`, which the HTML form always sends).
 */
function approvedScopes(details: OidcInteraction, form: Record<string, unknown>): Set<string> {
  const asked = new Set(details.params.scope?.split(' ').filter(Boolean));
  const sent = [form.scope].flat().filter((s): s is string => typeof s === 'string');
  if (sent.length === 0 && form.scope_choice !== 'explicit') return asked;
  return new Set([...sent, ...ALWAYS_GRANTED].filter((s) => asked.has(s)));
}

/**
 * Records this decision on the client's grant, whatever earlier consents said: approved scopes are added (and no
 * longer count as declined), the others are declined so the server does not ask again in this round.
 */
async function saveGrant(settings: InteractionSettings, details: OidcInteraction, approved: Set<string>): Promise<string> {
  const { provider, resource } = settings;
  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId: details.session?.accountId ?? '', clientId: details.params.client_id });
  const resourceScopes = new Set(settings.resourceScopes);
  for (const scope of new Set(details.params.scope?.split(' ').filter(Boolean))) {
    // Resource scopes are also listed as OpenID scopes (for discovery), so the grant needs them on both sides.
    if (approved.has(scope)) {
      withdrawRejection(grant, scope);
      grant.addOIDCScope(scope);
      if (resourceScopes.has(scope)) grant.addResourceScope(resource, scope);
    } else {
      grant.rejectOIDCScope(scope);
      if (resourceScopes.has(scope)) grant.rejectResourceScope(resource, scope);
    }
  }
  const { missingOIDCClaims = [] } = details.prompt.details;
  if (missingOIDCClaims.length) grant.addOIDCClaims(missingOIDCClaims);
  return grant.save();
}

function withdrawRejection(grant: OidcGrant, scope: string): void {
  const without = (list: string) => list.split(' ').filter((s) => s !== scope).join(' ');
  const { rejected } = grant;
  if (rejected?.openid?.scope) rejected.openid.scope = without(rejected.openid.scope);
  for (const [key, list] of Object.entries(rejected?.resources ?? {})) if (rejected?.resources) rejected.resources[key] = without(list);
}
