import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client.ts';
import { Button } from '../components/Button.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { TextField } from '../components/TextField.tsx';
import { useToasts } from '../components/Toasts.tsx';
import { Link, navigate, useSearchParams } from '../router.tsx';
import { useSession } from '../session.tsx';

function hostOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.host : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Adds a custom connector (any remote MCP server, by URL) to the chosen organization. A link may fill it in
 * (`/connectors/add?name=…&url=…`); nothing is added until the person has seen exactly what and pressed the button.
 */
export function AddConnectorPage() {
  const params = useSearchParams();
  const { org } = useSession();
  const toasts = useToasts();
  const fromLink = Boolean(params.get('url'));
  const [name, setName] = useState(params.get('name') ?? '');
  const [url, setUrl] = useState(params.get('url') ?? '');
  const [step, setStep] = useState<'form' | 'confirm'>(fromLink ? 'confirm' : 'form');
  const [urlError, setUrlError] = useState<string | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const host = hostOf(url.trim());

  if (!org) {
    return (
      <div className="page">
        <h1>Add a custom connector</h1>
        <p className="lead">A custom connector belongs to an organization, and you are in none yet. Ask an owner to add you to theirs.</p>
      </div>
    );
  }
  const orgName = org.organization.name;

  const review = (event: FormEvent) => {
    event.preventDefault();
    if (!host) {
      setUrlError('Enter the server’s full address, starting with https://, e.g. https://mcp.example.com/mcp.');
      return;
    }
    setUrlError(undefined);
    setError(undefined);
    setStep('confirm');
  };

  const add = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { connector } = await api.addCustomConnector({ org: org.organization.slug, url: url.trim(), ...(name.trim() ? { name: name.trim() } : {}) });
      toasts.success(`${connector.name} was added to ${orgName}`, 'Connect it to start using it.');
      navigate(`/connectors/${encodeURIComponent(connector.slug)}`);
    } catch (err) {
      setError(err as ApiError);
      setBusy(false);
    }
  };

  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <ol>
          <li>
            <Link to="/directory">Directory</Link>
          </li>
          <li aria-current="page">Add a custom connector</li>
        </ol>
      </nav>
      <h1>Add a custom connector</h1>
      {step === 'form' ? (
        <form className="card form-card" onSubmit={review} noValidate>
          <p className="lead">Any remote MCP server can be added by its URL. It is added for {orgName} only.</p>
          <TextField label="Server URL" type="url" inputMode="url" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://mcp.example.com/mcp" error={urlError} hint="The MCP endpoint the server’s documentation gives (Streamable HTTP or SSE)." />
          <TextField label="Name (optional)" value={name} onChange={(e) => setName(e.target.value)} hint="Shown in the directory. Left empty, the directory’s name for that server or its host name is used." />
          <div className="form-actions">
            <Button type="submit" variant="primary">
              Review
            </Button>
            <Link to="/directory" className="btn btn-ghost">
              Cancel
            </Link>
          </div>
        </form>
      ) : (
        <section className="card form-card" aria-labelledby="confirm-heading">
          <h2 id="confirm-heading">Add this connector to {orgName}?</h2>
          {fromLink ? (
            <p className="notice notice-warning">
              A link filled in these details. Add it only if you trust <strong>{host ?? 'this address'}</strong>: Switchboard will connect to it for the members of {orgName} who choose to use it.
            </p>
          ) : null}
          <dl className="details confirm-details">
            <dt>Name</dt>
            <dd>{name.trim() || <span className="muted">From the directory, or {host ?? 'the host name'}</span>}</dd>
            <dt>Server URL</dt>
            <dd>
              <code className="break">{url.trim() || '—'}</code>
            </dd>
            <dt>Organization</dt>
            <dd>{orgName}</dd>
            <dt>Who sees it</dt>
            <dd>Members of {orgName} only</dd>
          </dl>
          <p className="muted small">Switchboard checks the address, asks the server how it signs people in, and turns it on for {orgName}. Nobody is connected until they press Connect on its page.</p>
          {!host ? <ErrorNotice error={new Error('This link has no usable server URL (it must start with https://). Edit the details to fix it.')} /> : null}
          {error ? <ErrorNotice error={error} title="The connector was not added" /> : null}
          <div className="form-actions">
            <Button variant="primary" busy={busy} disabled={!host} onClick={() => void add()}>
              Add to {orgName}
            </Button>
            <Button onClick={() => setStep('form')} disabled={busy}>
              Edit details
            </Button>
            <Link to="/directory" className="btn btn-ghost">
              Cancel
            </Link>
          </div>
        </section>
      )}
    </div>
  );
}
