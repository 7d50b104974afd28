import { AppError } from '../shared/app-error.ts';
import type { ConnectorTarget } from './types.ts';

/**
 * The two error classes a person sees when a connector fails them (the seed's wording), plus the
 * states of a connection that need the person to act. Each message names the connector and the next step.
 */
export const connectLink = (publicUrl: string, slug: string) => `${publicUrl}/api/v1/connections/${slug}/authorize`;

export function notConnected(publicUrl: string, connector: ConnectorTarget): AppError {
  return new AppError(401, 'not_connected', `You have not connected ${connector.name} yet. Connect it at ${connectLink(publicUrl, connector.slug)} and try again.`, {
    details: { connector: connector.slug, connectUrl: connectLink(publicUrl, connector.slug) },
  });
}

export function connectionExpired(publicUrl: string, connector: ConnectorTarget, reason: string): AppError {
  return new AppError(401, 'connection_expired', `Your connection to ${connector.name} has expired (${reason}). Reconnect at ${connectLink(publicUrl, connector.slug)} and try again.`, {
    details: { connector: connector.slug, connectUrl: connectLink(publicUrl, connector.slug) },
  });
}

export function authorizationFailed(connector: ConnectorTarget, what: string, cause?: unknown): AppError {
  return new AppError(502, 'upstream_auth_failed', `Authorization with the MCP server failed: ${what} (${connector.name}, ${connector.url}). Try again; if it keeps failing, run the connection diagnostic or ask your administrator.`, {
    cause,
    details: { connector: connector.slug },
  });
}

export function unknownConnector(slug: string): AppError {
  return new AppError(404, 'not_found', `No connector has the slug "${slug}". Browse the directory to find it.`);
}
