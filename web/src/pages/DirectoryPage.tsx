import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api/client.ts';
import { CATEGORIES, type Category, type ConnectorSummary } from '../api/types.ts';
import { Badge } from '../components/Badge.tsx';
import { Button } from '../components/Button.tsx';
import { ConnectorLogo } from '../components/ConnectorLogo.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { CheckIcon, PlusIcon, SearchIcon } from '../components/Icons.tsx';
import { CATEGORY_LABELS, plural } from '../lib/labels.ts';
import { Link, navigate, setSearchParams, useSearchParams } from '../router.tsx';

/** The connector directory: search (the server's ranking), categories, and a card per connector. Query and category live in the URL. */
export function DirectoryPage() {
  const params = useSearchParams();
  const q = params.get('q') ?? '';
  const categoryParam = params.get('category');
  const category = (CATEGORIES as readonly string[]).includes(categoryParam ?? '') ? (categoryParam as Category) : undefined;
  const [text, setText] = useState(q);
  const [result, setResult] = useState<{ connectors: ConnectorSummary[]; total: number } | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [loading, setLoading] = useState(true);
  const [connected, setConnected] = useState<Map<string, 'connected' | 'expired'>>(new Map());
  const [attempt, setAttempt] = useState(0);

  // Typing updates the address after a short pause; the list follows the address (so back and reload keep it).
  const pushed = useRef(q);
  useEffect(() => {
    if (text.trim() === q) return;
    const timer = window.setTimeout(() => {
      pushed.current = text.trim();
      setSearchParams({ q: text.trim() || undefined });
    }, 200);
    return () => window.clearTimeout(timer);
  }, [text, q]);
  // The address changed some other way (back, a link): the box shows it.
  useEffect(() => {
    if (q !== pushed.current) {
      pushed.current = q;
      setText(q);
    }
  }, [q]);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    api
      .connectors({ ...(q ? { q } : {}), ...(category ? { category } : {}) }, controller.signal)
      .then((answer) => {
        setResult(answer);
        setError(undefined);
      })
      .catch((err: unknown) => {
        if ((err as Error).name !== 'AbortError') setError(err as ApiError);
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [q, category, attempt]);

  useEffect(() => {
    const controller = new AbortController();
    api
      .connections(controller.signal)
      .then((answer) => setConnected(new Map(answer.connections.map((c) => [c.connector, c.status]))))
      .catch(() => {
        // The badges are a nicety; the directory works without them.
      });
    return () => controller.abort();
  }, []);

  const searching = Boolean(q || category);
  const yours = (result?.connectors ?? []).filter((c) => connected.has(c.slug));

  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <h1>Directory</h1>
          <p className="lead">Connect the apps you use, so your assistant can work with them, with your own permissions.</p>
        </div>
        <Button icon={<PlusIcon />} onClick={() => navigate('/connectors/add')}>
          Add custom connector
        </Button>
      </div>

      <form className="search" role="search" onSubmit={(event) => {
          event.preventDefault();
          pushed.current = text.trim();
          setSearchParams({ q: text.trim() || undefined });
        }}>
        <label htmlFor="directory-search" className="visually-hidden">
          Search connectors
        </label>
        <span className="search-icon">
          <SearchIcon />
        </span>
        <input
          id="directory-search"
          type="search"
          placeholder="Search by name or task"
          value={text}
          onChange={(event) => setText(event.target.value)}
          autoComplete="off"
          spellCheck={false}
        />
      </form>

      <div className="chips" role="group" aria-label="Category">
        <button type="button" className="chip" aria-pressed={!category} onClick={() => setSearchParams({ category: undefined })}>
          All
        </button>
        {CATEGORIES.map((c) => (
          <button key={c} type="button" className="chip" aria-pressed={category === c} onClick={() => setSearchParams({ category: category === c ? undefined : c })}>
            {CATEGORY_LABELS[c]}
          </button>
        ))}
      </div>

      {!searching && result && yours.length > 0 ? (
        <section className="yours" aria-labelledby="yours-heading">
          <h2 id="yours-heading">Your connections</h2>
          <ul aria-label="Your connections">
            {yours.map((c) => (
              <li key={c.slug}>
                <Link to={`/connectors/${encodeURIComponent(c.slug)}`} className="pill">
                  <ConnectorLogo name={c.name} logoUrl={c.logoUrl} size={22} />
                  <span>{c.name}</span>
                  {connected.get(c.slug) === 'expired' ? <Badge tone="warning">Reconnect</Badge> : null}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <p className="result-count" aria-live="polite">
        {loading && !result ? 'Loading connectors…' : result ? `${plural(result.total, 'connector')}${q ? ` for “${q}”` : ''}${category ? ` in ${CATEGORY_LABELS[category]}` : ''}` : ''}
      </p>

      {error ? <ErrorNotice error={error} title="The directory could not be loaded" action={<Button onClick={() => setAttempt((n) => n + 1)}>Try again</Button>} /> : null}

      {result && result.connectors.length === 0 ? (
        <div className="empty">
          <p className="empty-title">No connector matches{q ? ` “${q}”` : ''}{category ? ` in ${CATEGORY_LABELS[category]}` : ''}.</p>
          <p>
            Try fewer or other words{category ? ', or all categories' : ''}. Not listed? <Link to={`/connectors/add${q ? `?name=${encodeURIComponent(q)}` : ''}`}>Add it by its URL</Link>.
          </p>
        </div>
      ) : null}

      {result && result.connectors.length > 0 ? (
        <ul className={`cards${loading && searching ? ' is-loading' : ''}`} aria-label="Connectors">
          {result.connectors.map((c) => (
            <li key={c.slug}>
              <ConnectorCard connector={c} status={connected.get(c.slug)} />
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function ConnectorCard({ connector: c, status }: { connector: ConnectorSummary; status: 'connected' | 'expired' | undefined }) {
  return (
    <Link to={`/connectors/${encodeURIComponent(c.slug)}`} className="card connector-card">
      <div className="connector-card-head">
        <ConnectorLogo name={c.name} logoUrl={c.logoUrl} />
        <div className="connector-card-title">
          <h2>{c.name}</h2>
          <p className="muted small">{CATEGORY_LABELS[c.category]}</p>
        </div>
      </div>
      <p className="connector-card-tagline">{c.tagline}</p>
      <div className="badges">
        {status === 'connected' ? (
          <Badge tone="success">
            <CheckIcon /> Connected
          </Badge>
        ) : null}
        {status === 'expired' ? <Badge tone="warning">Reconnect</Badge> : null}
        {c.interactive ? <Badge tone="info">Interactive</Badge> : null}
        {c.custom ? <Badge tone="accent">Custom</Badge> : null}
        {c.source === 'demo' ? <Badge>Demo</Badge> : null}
      </div>
    </Link>
  );
}
